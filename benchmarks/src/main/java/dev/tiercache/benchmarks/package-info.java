/**
 * JMH benchmarks. Each class measures Tiercache and its alternatives side by side in one run, on the
 * same machine and the same embedded member, so that ratios between them mean something even on a
 * noisy machine. Results and the commands that produced them are in {@code docs/benchmarks.md}.
 */
package dev.tiercache.benchmarks;
