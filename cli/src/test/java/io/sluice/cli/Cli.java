package io.sluice.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs one command class the way {@code sluice} would (same exception handler, hence exit codes), capturing its output. */
final class Cli {
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(Object command, String... args) {
        CommandLine cmd = command instanceof CommandLine given ? given : new CommandLine(command);
        cmd.setExecutionExceptionHandler(SluiceCli.commandLine().getExecutionExceptionHandler());
        cmd.setParameterExceptionHandler(SluiceCli.commandLine().getParameterExceptionHandler());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
