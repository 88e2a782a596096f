package io.sluice.job;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/** The jobs on the class path, by name, each configured once. */
public final class Jobs {
    private final Map<String, Job> byName;

    private Jobs(Map<String, Job> byName) {
        this.byName = Collections.unmodifiableMap(new TreeMap<>(byName));
    }

    /** Finds the jobs {@link ServiceLoader} sees from {@code loader}, unconfigured. */
    public static Jobs discover(ClassLoader loader) {
        Map<String, Job> found = new TreeMap<>();
        for (Job job : ServiceLoader.load(Job.class, loader)) {
            add(found, job);
        }
        return new Jobs(found);
    }

    /** The jobs the class path holds (the thread's context class loader). */
    public static Jobs discover() {
        return discover(Thread.currentThread().getContextClassLoader());
    }

    /** These jobs only, unconfigured (tests). */
    public static Jobs of(Job... jobs) {
        Map<String, Job> found = new TreeMap<>();
        for (Job job : jobs) {
            add(found, job);
        }
        return new Jobs(found);
    }

    private static void add(Map<String, Job> found, Job job) {
        String name = job.name();
        if (name == null || !io.sluice.messages.Batch.JOB_NAME.matcher(name).matches()) {
            throw new IllegalStateException("job " + job.getClass().getName() + " has name '" + name
                    + "'; a job's name is lower-case letters, digits and '-'");
        }
        Job before = found.putIfAbsent(name, job);
        if (before != null) {
            throw new IllegalStateException("two jobs on the class path are named '" + name + "': "
                    + before.getClass().getName() + " and " + job.getClass().getName());
        }
    }

    /**
     * Configures every job with its settings; an {@link IllegalArgumentException} names the job and the key.
     * Returns this.
     */
    public Jobs configure(Function<String, JobSettings> settings) {
        byName.forEach((name, job) -> {
            try {
                job.configure(settings.apply(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("job " + name + ": " + e.getMessage(), e);
            }
        });
        return this;
    }

    /**
     * The jobs on the class path, each configured from {@code config}; a bad setting, or settings for a job that is
     * not there, is a {@link ConfigException} (exit 2, before anything connects).
     */
    public static Jobs configured(SluiceConfig config) {
        Jobs jobs = discover();
        for (String named : config.jobs().keySet()) {
            if (jobs.find(named).isEmpty()) {
                throw new ConfigException("jobs." + named, "jobs." + named + " is set, but no job named '" + named
                        + "' is on the class path; jobs: " + jobs.names());
            }
        }
        try {
            return jobs.configure(name -> settings(config, name));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("jobs", e.getMessage());
        }
    }

    /** What a job may read of {@code config} (see {@link JobSettings}). */
    public static JobSettings settings(SluiceConfig config, String job) {
        Map<String, String> m = new HashMap<>(config.jobSettings(job));
        m.put("snuba.dataset", config.snuba().dataset());
        m.put("snuba.referrer", config.snuba().referrer());
        m.put("kafka.topics.results", config.kafka().topics().results());
        m.put("projection.history-days", Integer.toString(config.projection().historyDays()));
        m.put("projection.multiplier", Long.toString(config.projection().multiplier()));
        m.put("projection.floor", Long.toString(config.projection().floor()));
        return new JobSettings(job, m);
    }

    /** Each job's results topic under {@code config}. */
    public List<String> resultsTopics(SluiceConfig config) {
        return byName.values().stream().map(j -> j.resultsTopic(settings(config, j.name()))).distinct().toList();
    }

    public Optional<Job> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The job named {@code name}, or an {@link IllegalArgumentException} listing the jobs there are. */
    public Job get(String name) {
        Job job = byName.get(name);
        if (job == null) {
            throw new IllegalArgumentException("no job named '" + name + "' on the class path; jobs: " + names());
        }
        return job;
    }

    public List<Job> all() {
        return new ArrayList<>(byName.values());
    }

    public String names() {
        return byName.isEmpty() ? "(none)" : String.join(", ", byName.keySet());
    }
}
