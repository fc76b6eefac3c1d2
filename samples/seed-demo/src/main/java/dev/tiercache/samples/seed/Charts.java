package dev.tiercache.samples.seed;

import java.util.Locale;

/** The demo's report as a text table and as an SVG chart. */
final class Charts {

  private Charts() {}

  static String table(SeedDemo.Report report) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%nThe seed's story, measured: %d users in %s, 3 instances, Zipf reads"
        + " (%.0f s in all)%n%n", SeedDemo.USERS, report.database(), report.elapsedMillis() / 1000.0));
    out.append(String.format(Locale.ROOT, "%-42s %7s %7s %7s %12s %14s %10s %10s%n", "architecture", "L1 hit",
        "L2 hit", "miss", "DB queries/s", "per 1,000 reads", "p50 read", "p99 read"));
    for (SeedDemo.Row row : report.rows()) {
      out.append(String.format(Locale.ROOT, "%-42s %6.1f%% %6.1f%% %6.1f%% %12.0f %14.0f %8.0f µs %8.0f µs%n",
          row.architecture(), row.l1Percent(), row.l2Percent(), row.missPercent(), row.dbQueriesPerSecond(),
          row.dbQueriesPerThousandReads(), row.p50Micros(), row.p99Micros()));
    }
    out.append(String.format(Locale.ROOT, "%n%-62s %-30s %8s %8s%n", "failure story", "measure", "without",
        "with"));
    for (SeedDemo.Story story : report.stories()) {
      out.append(String.format(Locale.ROOT, "%-62s %-30s %8.0f %8.0f   (with: %s)%n", story.story(),
          story.measure(), story.without(), story.with(), story.feature()));
    }
    return out.toString();
  }

  /** Bars: database queries per second per architecture, then each story's without / with pair. */
  static String svg(SeedDemo.Report report) {
    int width = 900;
    int rowHeight = 26;
    int top = 40;
    int lines = report.rows().size() + report.stories().size() * 2 + 3;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n", width, top + lines * rowHeight + 20));
    svg.append("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">The seed's story, measured (")
        .append(escape(report.database())).append(")</text>\n");
    int y = top;
    svg.append(label(10, y + 14, "Database queries per 1,000 reads, same workload", true));
    y += rowHeight;
    double most = report.rows().stream().mapToDouble(SeedDemo.Row::dbQueriesPerThousandReads).max().orElse(1);
    for (SeedDemo.Row row : report.rows()) {
      svg.append(bar(y, row.architecture(), row.dbQueriesPerThousandReads(), most, String.format(Locale.ROOT,
          "%.0f, hits L1 %.0f%% L2 %.0f%%, p50 %.0f µs", row.dbQueriesPerThousandReads(), row.l1Percent(),
          row.l2Percent(), row.p50Micros()), "#c0504d"));
      y += rowHeight;
    }
    y += rowHeight / 2;
    svg.append(label(10, y + 14, "Failure stories: without (red) and with (green) the feature", true));
    y += rowHeight;
    for (SeedDemo.Story story : report.stories()) {
      double scale = Math.max(1, Math.max(story.without(), story.with()));
      svg.append(bar(y, story.story(), story.without(), scale, String.format(Locale.ROOT, "%.0f %s",
          story.without(), story.unit()), "#c0504d"));
      y += rowHeight;
      svg.append(bar(y, "  with " + story.feature(), story.with(), scale, String.format(Locale.ROOT, "%.0f %s",
          story.with(), story.unit()), "#4f9a4f"));
      y += rowHeight;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static String bar(int y, String name, double value, double max, String text, String colour) {
    int x = 330;
    int length = (int) Math.round(400 * value / max);
    return label(10, y + 14, name.length() > 52 ? name.substring(0, 51) + "…" : name, false)
        + String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"%s\"/>%n", x, y + 2,
            Math.max(1, length), colour)
        + label(x + Math.max(1, length) + 6, y + 14, text, false);
  }

  private static String label(int x, int y, String text, boolean bold) {
    return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"%s>%s</text>%n", x, y,
        bold ? " font-weight=\"bold\"" : "", escape(text));
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
