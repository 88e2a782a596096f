package io.sluice.orgs;

import io.sluice.config.ConfigException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * One org id per line, from {@code --orgs-file PATH}. Blank lines and {@code #} comments (whole
 * line or after an id) are skipped; anything else that is not a positive whole number is an
 * error naming {@code file:line} and the text.
 */
public final class FileOrgSource implements OrgSource {
    public static final String FLAG = "--orgs-file";
    private final Path file;
    private BufferedReader reader;

    public FileOrgSource(Path file) {
        this.file = file;
    }

    @Override
    public PrimitiveIterator.OfLong ids() {
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(FLAG, FLAG + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException(FLAG, FLAG + ": cannot read " + file + ": " + e.getMessage());
        }
        return new PrimitiveIterator.OfLong() {
            private int lineNo;
            private long next;
            private boolean ready;
            private boolean eof;

            @Override
            public boolean hasNext() {
                while (!ready && !eof) {
                    advance();
                }
                return ready;
            }

            @Override
            public long nextLong() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ready = false;
                return next;
            }

            private void advance() {
                String line;
                try {
                    line = reader.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file + " at line " + (lineNo + 1), e);
                }
                if (line == null) {
                    eof = true;
                    return;
                }
                lineNo++;
                String text = line;
                int hash = text.indexOf('#');
                if (hash >= 0) {
                    text = text.substring(0, hash);
                }
                text = text.strip();
                if (lineNo == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                    text = text.substring(1).strip();
                }
                if (text.isEmpty()) {
                    return;
                }
                long id;
                try {
                    id = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw bad(line, "is not an org id");
                }
                if (id <= 0) {
                    throw bad(line, "is not a positive org id");
                }
                next = id;
                ready = true;
            }

            private ConfigException bad(String line, String why) {
                return new ConfigException(FLAG, file + ":" + lineNo + ": '" + abbreviate(line) + "' " + why
                        + "; valid: one positive whole number per line, blank lines and # comments");
            }
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public boolean readEagerly() {
        return true;
    }

    @Override
    public String describe() {
        return "orgs-file " + file;
    }

    @Override
    public void close() {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException ignored) {
                // read-only file: nothing to lose
            }
        }
    }
}
