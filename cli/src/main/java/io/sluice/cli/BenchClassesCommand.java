package io.sluice.cli;

import io.sluice.classes.ClassesBench;
import io.sluice.config.Durations;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice bench classes}: see {@link ClassesBench}. */
@Command(name = "classes", mixinStandardHelpOptions = true,
        description = {"Two classes on one pool of 50 (live 40, lendable 0%; backfill 10, lendable 100%), on an embedded Redis.",
                "They are measured against two carved pools of 40 and 10 and one shared FIFO pool of 50. JSON on the last line."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the table printed", "1:the run failed", "2:bad usage"})
final class BenchClassesCommand implements Callable<Integer> {
    @Option(names = "--phase", paramLabel = "DURATION", description = "Length of each phase (default: ${DEFAULT-VALUE}).", defaultValue = "3s")
    String phase;
    @Option(names = "--hold", paramLabel = "DURATION", description = "How long each query holds its slot (default: ${DEFAULT-VALUE}).", defaultValue = "20ms")
    String hold;
    @Option(names = "--live-demand", paramLabel = "N", description = "Live callers (default: ${DEFAULT-VALUE}).", defaultValue = "60")
    int liveDemand;
    @Option(names = "--backfill-demand", paramLabel = "N", description = "Backfill callers (default: ${DEFAULT-VALUE}).", defaultValue = "60")
    int backfillDemand;

    @Override
    public Integer call() throws Exception {
        ClassesBench.Options o = new ClassesBench.Options(Durations.parse("--phase", phase), Durations.parse("--hold", hold),
                liveDemand, backfillDemand);
        System.out.printf("bench classes: pool 50, %d live and %d backfill callers, hold %s, phases of %s%n", liveDemand,
                backfillDemand, hold, phase);
        List<ClassesBench.Phase> phases = new ClassesBench().run(o, System.out);
        System.out.println(ClassesBench.json(phases));
        return 0;
    }
}
