package io.sluice.local;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The PNG of in-flight queries over time against the pool limit and the downstream's limit. */
final class Chart {
    private Chart() {
    }

    static void write(Path png, List<InFlightSampler.Sample> samples, int poolLimit, int downstreamLimit, boolean slots,
                      List<RunFigures.Stall> stalls) throws IOException {
        XYChart chart = series(slots ? "sluice local: queries in flight at the downstream (gated)"
                : "sluice local: queries in flight (no slots)", "queries in flight", "in flight", samples, 500);
        if (slots) {
            line(chart, "pool limit (" + poolLimit + ")", poolLimit, samples);
        }
        line(chart, "downstream limit (" + downstreamLimit + ")", downstreamLimit, samples);
        if (!stalls.isEmpty()) {
            // One series, broken between stalls (XChart leaves a gap at NaN): a bar at 80 % of the limit over each.
            double level = RunFigures.STALL_BELOW * (slots ? poolLimit : downstreamLimit);
            double[] x = new double[stalls.size() * 3];
            double[] y = new double[stalls.size() * 3];
            for (int i = 0; i < stalls.size(); i++) {
                RunFigures.Stall s = stalls.get(i);
                x[3 * i] = s.atSeconds();
                x[3 * i + 1] = s.atSeconds() + s.millis() / 1000;
                x[3 * i + 2] = x[3 * i + 1];
                y[3 * i] = level;
                y[3 * i + 1] = level;
                y[3 * i + 2] = Double.NaN;
            }
            XYSeries bars = chart.addSeries("stalls (" + stalls.size() + "): < 80 % of the limit > 200 ms while published orgs wait", x, y);
            bars.setMarker(SeriesMarkers.NONE);
            bars.setLineWidth(6f);
        }
        save(chart, png);
    }

    /** The PNG of the backlog (orgs published but not finished) over time against orchestrator.max-backlog. */
    static void writeBacklog(Path png, List<InFlightSampler.Sample> samples, long maxBacklog) throws IOException {
        XYChart chart = series("sluice local: backlog (orgs published, not yet finished)", "orgs", "backlog", samples, 400);
        if (maxBacklog > 0) {
            line(chart, "max-backlog (" + maxBacklog + ")", maxBacklog, samples);
        }
        save(chart, png);
    }

    private static XYChart series(String title, String yAxis, String name, List<InFlightSampler.Sample> samples, int height) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(height).title(title)
                .xAxisTitle("seconds").yAxisTitle(yAxis).build();
        chart.getStyler().setMarkerSize(0);
        double[] x = samples.stream().mapToDouble(InFlightSampler.Sample::seconds).toArray();
        double[] y = samples.stream().mapToDouble(InFlightSampler.Sample::inFlight).toArray();
        if (x.length == 0) {
            x = new double[]{0};
            y = new double[]{0};
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /** A horizontal line across the sampled span. */
    private static void line(XYChart chart, String name, double level, List<InFlightSampler.Sample> samples) {
        double end = samples.isEmpty() ? 0 : samples.getLast().seconds();
        XYSeries s = chart.addSeries(name, new double[]{0, end}, new double[]{level, level});
        s.setMarker(SeriesMarkers.NONE);
    }

    private static void save(XYChart chart, Path png) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
