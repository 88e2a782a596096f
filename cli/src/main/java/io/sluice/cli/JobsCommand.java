package io.sluice.cli;

import io.sluice.config.SluiceConfig;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.messages.MessageCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sluice jobs}: the jobs on the class path, as a worker or an orchestrator started here would find them. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = {"List the jobs on the class path (found through ServiceLoader), each with the batch message version it"
                + " reads, its results topic and its slot class, under the given configuration."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "2:bad usage or configuration (a job's settings are invalid)"})
public final class JobsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print one JSON object per job, one per line, instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SluiceConfig cfg = config.load();
        Jobs jobs = Jobs.configured(cfg);
        List<Job> all = jobs.all();
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.printf("%-20s %-8s %-32s %s%n", "JOB", "VERSION", "RESULTS TOPIC", "SLOT CLASS");
        }
        for (Job job : all) {
            var settings = Jobs.settings(cfg, job.name());
            String slotClass = job.slotClass(settings);
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("job", job.name());
                row.put("version", job.version());
                row.put("resultsTopic", job.resultsTopic(settings));
                row.put("slotClass", slotClass);
                row.put("class", job.getClass().getName());
                out.println(MessageCodec.mapper().writeValueAsString(row));
            } else {
                out.printf("%-20s %-8d %-32s %s%n", job.name(), job.version(), job.resultsTopic(settings),
                        slotClass == null ? "(the worker's slots.class)" : slotClass);
            }
        }
        return 0;
    }
}
