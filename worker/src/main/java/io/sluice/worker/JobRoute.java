package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.job.Job;

/**
 * How one job runs on this worker: the job, where its results go, the slot class its queries take slots in
 * unless a batch names one, and its own meters ({@code sluice_job_orgs_total{sluice_job, outcome}}).
 */
record JobRoute(Job job, String resultsTopic, String slotClass, Counter made, Counter retried, Counter deadLettered,
                Counter superseded) {
    static final String METER = "sluice.job.orgs";
    /** Not {@code job}: Prometheus' own target label is called that. */
    static final String TAG = "sluice_job";

    static JobRoute of(Job job, String resultsTopic, String slotClass, MeterRegistry registry) {
        return new JobRoute(job, resultsTopic, slotClass, counter(registry, job, "result"), counter(registry, job, "retried"),
                counter(registry, job, "dead_lettered"), counter(registry, job, "superseded"));
    }

    private static Counter counter(MeterRegistry registry, Job job, String outcome) {
        return Counter.builder(METER)
                .description("Orgs per job, by outcome: a result made (written unless stale), a retry, a dead letter, superseded")
                .tag(TAG, job.name()).tag("outcome", outcome).register(registry);
    }
}
