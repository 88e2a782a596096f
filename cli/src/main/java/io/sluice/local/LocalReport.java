package io.sluice.local;

/**
 * What {@code sluice local} prints at the end and writes with {@code --report}.
 *
 * @param utilization mean in-flight queries at the downstream over the busy span, divided by the pool limit
 *                    (by the downstream's limit when the run had no slots)
 * @param cpuSeconds  CPU time of the whole process (broker, simulator, orchestrator, workers) over the run
 * @param rssMb       resident set size of the process at the end of the run; {@code peakRssMb} its high-water mark
 * @param figures     the run against its minimum: start-up, elapsed and N*t/L, steady utilization, stalls
 */
public record LocalReport(boolean slotsEnabled, long orgsTotal, long orgsProjected, long deadLetters,
                          int peakDownstreamInFlight, int peakOffered, int poolLimit, int downstreamLimit, long rateLimited,
                          long serverErrors, long pauses, double elapsedSeconds, double throughputOrgsPerSecond,
                          double utilization, String pacing, String chart, int backlogPeak, long maxBacklog,
                          String backlogChart, double cpuSeconds, long rssMb, long peakRssMb,
                          RunFigures figures) {

    public boolean allProjected() {
        return orgsProjected == orgsTotal;
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n== sluice local: %s ==%n", slotsEnabled ? "gated by the slot pool" : "NO SLOTS (the original incident)"));
        sb.append(String.format("orgs projected      %d / %d%s%n", orgsProjected, orgsTotal, allProjected() ? "" : "   <-- not all"));
        sb.append(String.format("dead letters        %d%n", deadLetters));
        sb.append(String.format("peak at downstream  %d in flight (pool limit %d, downstream limit %d)%s%n", peakDownstreamInFlight,
                poolLimit, downstreamLimit, peakDownstreamInFlight > downstreamLimit ? "   <-- over the downstream's limit"
                        : peakDownstreamInFlight > poolLimit && slotsEnabled ? "   <-- over the pool limit!" : ""));
        sb.append(String.format("peak offered        %d queries the workers tried to run at once%n", peakOffered));
        sb.append(String.format("429 answers         %d%n", rateLimited));
        sb.append(String.format("5xx answers         %d%n", serverErrors));
        sb.append(pauses < 0 ? String.format("pauses              - (worker processes count theirs)%n")
                : String.format("pauses              %d (times the pool refused a partition)%n", pauses));
        sb.append(String.format("elapsed             %.1f s (pacing %s)%n", elapsedSeconds, pacing));
        sb.append(String.format("throughput          %.1f orgs/s%n", throughputOrgsPerSecond));
        if (cpuSeconds >= 0 && orgsProjected > 0) {
            sb.append(String.format("CPU                 %.1f s, %.2f ms per org (this process: broker, simulator, orchestrator, workers or worker processes; %.2f cores)%n",
                    cpuSeconds, cpuSeconds * 1000 / orgsProjected, cpuSeconds / Math.max(elapsedSeconds, 1e-9)));
        }
        if (rssMb >= 0) {
            sb.append(String.format("memory              RSS %d MB at the end, peak %d MB (whole process)%n", rssMb, peakRssMb));
        }
        sb.append(slotsEnabled
                ? String.format("pool utilization    %.0f %% (mean in flight at the downstream / pool limit, while busy)%n", utilization * 100)
                : String.format("downstream use      %.0f %% (mean in flight / downstream limit, while busy)%n", utilization * 100));
        sb.append(String.format("backlog peak        %d orgs published but unfinished (orchestrator.max-backlog %s)%s%n", backlogPeak,
                maxBacklog > 0 ? Long.toString(maxBacklog) : "off", maxBacklog > 0 && backlogPeak > maxBacklog ? "   <-- over the bound" : ""));
        if (chart != null) {
            sb.append(String.format("chart               %s%n", chart));
        }
        if (backlogChart != null) {
            sb.append(String.format("backlog chart       %s%n", backlogChart));
        }
        if (figures != null) {
            sb.append(figures.render());
        }
        return sb.toString();
    }
}
