package dev.tiercache;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** The machine's PostgreSQL (127.0.0.1:5432, database test), for tests that need a real system of record. */
public final class Postgres {

  public static final String URL = System.getProperty("tiercache.test.jdbc-url",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private Postgres() {}

  public static void execute(String... statements) throws SQLException {
    try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** A fresh table {@code (k text primary key, v text)}. */
  public static void recreate(String table) throws SQLException {
    execute("DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + " (k text PRIMARY KEY, v text NOT NULL)");
  }

  public static Map<String, String> rows(String table) throws SQLException {
    Map<String, String> rows = new HashMap<>();
    try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT k, v FROM " + table)) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getString(2));
      }
    }
    return rows;
  }
}
