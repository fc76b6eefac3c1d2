package dev.tiercache.integration;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections of one {@link JdbcCacheStore}: a small pool of its own, at most {@code poolSize} open
 * at once, a caller waiting when all are in use. A connection that fails other than by rejecting the data
 * (SQL state class 22 or 23) is closed, never handed out again; a transaction is committed whole or
 * rolled back.
 */
final class JdbcConnections {

  private final String jdbcUrl;
  private final String table;
  private final int poolSize;
  private final BlockingQueue<Connection> idle;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean closed;

  JdbcConnections(String jdbcUrl, String table, int poolSize) {
    this.jdbcUrl = jdbcUrl;
    this.table = table;
    this.poolSize = poolSize;
    this.idle = new ArrayBlockingQueue<>(poolSize);
  }

  /** Work on a connection. */
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Work inside one transaction. */
  interface SqlTransaction {
    void run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
  void inTransaction(SqlTransaction work) throws SQLException {
    withConnection(c -> {
      c.setAutoCommit(false);
      try {
        work.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      return null;
    });
  }

  /** Runs {@code work} on a pooled connection, which goes back to the pool unless it failed. */
  <T> T withConnection(SqlWork<T> work) throws SQLException {
    Connection c = borrow();
    boolean healthy = false;
    try {
      T result = work.run(c);
      healthy = true;
      return result;
    } catch (SQLException e) {
      healthy = JdbcCacheStore.isDataError(e) && !c.isClosed(); // a rejected row does not make the connection bad
      throw e;
    } finally {
      giveBack(c, healthy);
    }
  }

  private Connection borrow() throws SQLException {
    if (closed) {
      throw new SQLException("JdbcCacheStore for " + table + " is closed");
    }
    Connection c = idle.poll();
    if (c != null) {
      return c;
    }
    if (open.incrementAndGet() <= poolSize) {
      try {
        return DriverManager.getConnection(jdbcUrl);
      } catch (SQLException e) {
        open.decrementAndGet();
        throw e;
      }
    }
    open.decrementAndGet();
    try {
      return idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("Interrupted while waiting for a connection", e);
    }
  }

  private void giveBack(Connection c, boolean healthy) {
    if (healthy && !closed && idle.offer(c)) {
      return;
    }
    open.decrementAndGet();
    closeQuietly(c);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // closing a broken connection
    }
  }

  /** Closes the idle connections; those in use are closed when they come back. */
  void close() {
    closed = true;
    for (Connection c = idle.poll(); c != null; c = idle.poll()) {
      closeQuietly(c);
    }
  }
}
