/**
 * What the TCK runs need beyond the TCK itself. The annotation tests ({@code org.jsr107.tck.annotation})
 * run through a {@code BeanProvider} that hands out the TCK's blog managers as beans of a Spring context
 * with Spring's JSR-107 annotation support, backed by Tiercache. The cluster run starts two more members
 * as separate processes ({@code ClusterMembers}, a JUnit run listener, and {@code ClusterMember}, their
 * main class) so that the test JVM is one member of three, and {@code ThreeMemberClusterTest} checks
 * that the run really had that shape.
 */
package dev.tiercache.tck;
