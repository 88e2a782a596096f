package io.sluice.jobs.sampling;

import io.sluice.job.JobSettings;

import java.util.regex.Pattern;

/**
 * The dynamic-sampling job's settings, read and checked in one place. Its own keys are written
 * {@code jobs.dynamic-sampling.<key>}; the two engine keys it reads keep their full names.
 *
 * @param targetRate   {@value #TARGET_RATE}: the sample rate the org as a whole should keep, in (0, 1]
 * @param minKept      {@value #MIN_KEPT}: events per project per window kept whatever the target (0 = no floor)
 * @param resultsTopic {@value #RESULTS_TOPIC}: the compacted topic the results go to
 * @param slotClass    {@value #SLOT_CLASS}: the slot class its queries take; null for the worker's own
 * @param dataset      {@code snuba.dataset}: the dataset queried (the URL path and the MATCH entity)
 * @param referrer     {@code snuba.referrer}: the referrer named in the body's {@code tenant_ids}
 */
public record SamplingSettings(double targetRate, long minKept, String resultsTopic, String slotClass,
                               String dataset, String referrer) {
    public static final String TARGET_RATE = "target-rate";
    public static final String MIN_KEPT = "min-kept";
    public static final String RESULTS_TOPIC = "results-topic";
    public static final String SLOT_CLASS = "slot-class";
    public static final String DATASET = "snuba.dataset";
    public static final String REFERRER = "snuba.referrer";

    public static final double DEFAULT_TARGET_RATE = 0.1;
    public static final long DEFAULT_MIN_KEPT = 0;
    public static final long MAX_MIN_KEPT = 1_000_000_000_000L;
    public static final String DEFAULT_RESULTS_TOPIC = "sluice.dynamic-sampling";
    /** The engine's defaults for its two keys, used when the engine passes none (tests, a bare configure). */
    public static final String DEFAULT_DATASET = "outcomes";
    public static final String DEFAULT_REFERRER = "getsentry.get_spike_projections";

    /** Kafka's own rule for a topic name. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** A slot class, as {@code slots.class} and a batch's {@code class} field spell it. */
    private static final Pattern CLASS = Pattern.compile("[A-Za-z0-9_.-]+");
    /** A SnQL entity name: it is written into the query text, so nothing that could end the MATCH clause. */
    private static final Pattern DATASET_NAME = Pattern.compile("[a-z0-9_]+");

    /** The defaults: what an empty configuration gives. */
    public static SamplingSettings defaults() {
        return new SamplingSettings(DEFAULT_TARGET_RATE, DEFAULT_MIN_KEPT, DEFAULT_RESULTS_TOPIC, null,
                DEFAULT_DATASET, DEFAULT_REFERRER);
    }

    /** Reads and checks every key; an {@link IllegalArgumentException} names the key, its value and what is valid. */
    public static SamplingSettings from(JobSettings s) {
        return new SamplingSettings(targetRate(s), s.longIn(MIN_KEPT, DEFAULT_MIN_KEPT, 0, MAX_MIN_KEPT),
                resultsTopic(s), slotClass(s), dataset(s), s.text(REFERRER, DEFAULT_REFERRER));
    }

    static double targetRate(JobSettings s) {
        String text = s.text(TARGET_RATE, null);
        if (text == null) {
            return DEFAULT_TARGET_RATE;
        }
        double rate;
        try {
            rate = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!(rate > 0 && rate <= 1)) {   // NaN fails both
            throw new IllegalArgumentException(s.name(TARGET_RATE) + " must be a number in (0, 1] (a sample rate above 0), got '"
                    + text + "'");
        }
        return rate;
    }

    static String resultsTopic(JobSettings s) {
        String topic = s.text(RESULTS_TOPIC, DEFAULT_RESULTS_TOPIC);
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException(s.name(RESULTS_TOPIC) + " must be a Kafka topic name (1 to 249 of letters, digits,"
                    + " '.', '_', '-'), got '" + topic + "'");
        }
        return topic;
    }

    static String slotClass(JobSettings s) {
        String slotClass = s.text(SLOT_CLASS, null);
        if (slotClass == null || slotClass.equals("none")) {
            return null;
        }
        if (!CLASS.matcher(slotClass).matches()) {
            throw new IllegalArgumentException(s.name(SLOT_CLASS) + " must be a slot class of the pool (letters, digits, '_', '.',"
                    + " '-') or none for the worker's own slots.class, got '" + slotClass + "'");
        }
        return slotClass;
    }

    static String dataset(JobSettings s) {
        String dataset = s.text(DATASET, DEFAULT_DATASET);
        if (!DATASET_NAME.matcher(dataset).matches()) {
            throw new IllegalArgumentException(DATASET + " must be a dataset name (lower-case letters, digits, '_'), got '"
                    + dataset + "'");
        }
        return dataset;
    }
}
