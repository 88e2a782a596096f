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

    static void write(Path png, List<InFlightSampler.Sample> samples, int poolLimit, int downstreamLimit, boolean slots)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(500)
                .title(slots ? "sluice local: queries in flight at the downstream (gated)" : "sluice local: queries in flight (no slots)")
                .xAxisTitle("seconds").yAxisTitle("queries in flight").build();
        chart.getStyler().setMarkerSize(0);
        double[] x = samples.stream().mapToDouble(InFlightSampler.Sample::seconds).toArray();
        double[] y = samples.stream().mapToDouble(InFlightSampler.Sample::inFlight).toArray();
        if (x.length == 0) {
            x = new double[]{0};
            y = new double[]{0};
        }
        double end = x[x.length - 1];
        chart.addSeries("in flight", x, y).setMarker(SeriesMarkers.NONE);
        if (slots) {
            XYSeries pool = chart.addSeries("pool limit (" + poolLimit + ")", new double[]{0, end}, new double[]{poolLimit, poolLimit});
            pool.setMarker(SeriesMarkers.NONE);
        }
        XYSeries down = chart.addSeries("downstream limit (" + downstreamLimit + ")", new double[]{0, end},
                new double[]{downstreamLimit, downstreamLimit});
        down.setMarker(SeriesMarkers.NONE);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The PNG of the backlog (orgs published but not finished) over time against orchestrator.max-backlog. */
    static void writeBacklog(Path png, List<InFlightSampler.Sample> samples, long maxBacklog) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(400)
                .title("sluice local: backlog (orgs published, not yet finished)")
                .xAxisTitle("seconds").yAxisTitle("orgs").build();
        chart.getStyler().setMarkerSize(0);
        double[] x = samples.stream().mapToDouble(InFlightSampler.Sample::seconds).toArray();
        double[] y = samples.stream().mapToDouble(InFlightSampler.Sample::inFlight).toArray();
        if (x.length == 0) {
            x = new double[]{0};
            y = new double[]{0};
        }
        chart.addSeries("backlog", x, y).setMarker(SeriesMarkers.NONE);
        if (maxBacklog > 0) {
            chart.addSeries("max-backlog (" + maxBacklog + ")", new double[]{0, x[x.length - 1]},
                    new double[]{maxBacklog, maxBacklog}).setMarker(SeriesMarkers.NONE);
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
