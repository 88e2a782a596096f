package io.sluice.slots.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.config.ConfigException;
import io.sluice.slots.PoolDeclaration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The declarations file {@code sluice slots apply -f} reads (it can live in a ConfigMap):
 * <pre>
 * pools:
 *   - name: snuba.getsentry.get_spike_projections
 *     limit: 50
 *     classes: [ "live:40", "backfill:10:100%" ]     # NAME:SHARE[:LENDABLE%][:BORROW-LIMIT%], as --class
 * </pre>
 * Any error is a {@link ConfigException} naming the pool and key (exit 2).
 */
public final class PoolsFile {
    private static final Set<String> POOL_KEYS = Set.of("name", "limit", "classes");

    private PoolsFile() {
    }

    public static List<PoolDeclaration> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("-f", file + ": cannot read the pools file: " + e.getMessage());
        }
        if (root == null || !root.path("pools").isArray()) {
            throw new ConfigException("-f", file + ": expected a list 'pools:' of {name, limit, classes}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("pools")) {
                throw new ConfigException("-f", file + ": unknown key '" + key + "' (valid: pools)");
            }
        }
        List<PoolDeclaration> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode p : root.get("pools")) {
            String where = file + ": pools[" + i++ + "]";
            for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!POOL_KEYS.contains(key)) {
                    throw new ConfigException("-f", where + ": unknown key '" + key + "' (valid: name, limit, classes)");
                }
            }
            String name = p.path("name").asText("");
            if (name.isBlank()) {
                throw new ConfigException("-f", where + ": 'name' is missing");
            }
            if (!names.add(name)) {
                throw new ConfigException("-f", where + ": pool " + name + " is declared twice");
            }
            if (!p.path("limit").canConvertToInt()) {
                throw new ConfigException("-f", where + " (" + name + "): 'limit' must be a whole number >= 1");
            }
            List<PoolDeclaration.PoolClass> classes = new ArrayList<>();
            try {
                for (JsonNode c : p.path("classes")) {
                    classes.add(PoolDeclaration.PoolClass.parse(c.asText()));
                }
                out.add(new PoolDeclaration(name, p.get("limit").asInt(), classes));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("-f", where + " (" + name + "): " + e.getMessage());
            }
        }
        return out;
    }
}
