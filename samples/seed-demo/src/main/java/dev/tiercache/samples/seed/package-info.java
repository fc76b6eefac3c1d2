/**
 * The seed demo: {@code SeedDemo} runs the architectures and the failure stories of the distributed-caching
 * document Tiercache grew from, on three in-JVM instances ({@code Instances}) against a real database
 * ({@code Database}: PostgreSQL, or embedded SQLite), with a paced, skewed workload ({@code Workload}),
 * and prints and draws what it measured ({@code Charts}).
 */
package dev.tiercache.samples.seed;
