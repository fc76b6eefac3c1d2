/**
 * The harness that lets the TCK's annotation tests ({@code org.jsr107.tck.annotation}) run: a
 * {@code BeanProvider} that hands out the TCK's blog managers as beans of a Spring context with
 * Spring's JSR-107 annotation support, backed by Tiercache.
 */
package dev.tiercache.tck;
