package io.sluice.adaptive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG of one adaptive run: the live limit, Sluice's and the other caller's queries in flight. */
final class AdaptiveChart {
    private AdaptiveChart() {
    }

    static void write(Path png, List<AdaptiveBench.Sample> samples, int downstreamLimit) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(500)
                .title("sluice bench adaptive: downstream limit " + downstreamLimit + " shared with another caller")
                .xAxisTitle("seconds").yAxisTitle("queries").build();
        chart.getStyler().setMarkerSize(0);
        series(chart, "pool limit (live, adaptive)", samples, AdaptiveBench.Sample::limit);
        series(chart, "Sluice in flight", samples, AdaptiveBench.Sample::sluice);
        series(chart, "other caller in flight", samples, AdaptiveBench.Sample::other);
        series(chart, "capacity left for Sluice", samples, s -> downstreamLimit - s.other());
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void series(XYChart chart, String name, List<AdaptiveBench.Sample> samples,
                               ToDoubleFunction<AdaptiveBench.Sample> y) {
        double[] xs = samples.stream().mapToDouble(AdaptiveBench.Sample::seconds).toArray();
        double[] ys = samples.stream().mapToDouble(y).toArray();
        if (xs.length == 0) {
            xs = new double[] {0};
            ys = new double[] {0};
        }
        chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
    }
}
