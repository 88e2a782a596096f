package io.sluice.slots.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.PoolDescription;
import java.io.PrintWriter;

/** How {@code sluice slots describe} shows a pool's declaration: a table, or one JSON object. */
public final class PoolDescriptionView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PoolDescriptionView() {
    }

    public static void printTable(PoolDescription d, PrintWriter out) {
        PoolDeclaration decl = d.declaration();
        out.printf("pool     %s%n", decl.pool());
        out.printf("limit    %d declared, %d live%n", decl.limit(), d.liveLimit());
        if (d.predeclared()) {
            out.println("declared before declarations existed: its live limit stands for it until `sluice slots apply` declares it");
        }
        if (decl.classes().isEmpty()) {
            out.println("classes  none: one FIFO queue for every client");
        } else {
            out.printf("%n%-16s  %8s  %8s  %12s%n", "CLASS", "NOMINAL", "LENDABLE", "BORROW-LIMIT");
            for (PoolDeclaration.PoolClass c : decl.classes()) {
                out.printf("%-16s  %8s  %7d%%  %12s%n", c.name(),
                        c.nominalSeats(decl.limit()) + (c.percent() ? " (" + c.share() + "%)" : ""), c.lendablePercent(),
                        c.borrowLimitPercent() == PoolDeclaration.PoolClass.NO_BORROW_LIMIT ? "none" : c.borrowLimitPercent() + "%");
            }
        }
        if (!d.fencedFor().isZero()) {
            out.printf("FENCED   no new grants for %d ms: Redis lost state, leases granted before may still run%n",
                    d.fencedFor().toMillis());
        }
    }

    public static void printJson(PoolDescription d, PrintWriter out) {
        PoolDeclaration decl = d.declaration();
        ObjectNode n = JSON.createObjectNode();
        n.put("pool", decl.pool());
        n.put("limit", decl.limit());
        n.put("liveLimit", d.liveLimit());
        n.put("predeclared", d.predeclared());
        n.put("fencedForMs", d.fencedFor().toMillis());
        var classes = n.putArray("classes");
        for (PoolDeclaration.PoolClass c : decl.classes()) {
            classes.addObject().put("name", c.name()).put("spec", c.spec()).put("nominalSeats", c.nominalSeats(decl.limit()))
                    .put("lendablePercent", c.lendablePercent()).put("borrowLimitPercent", c.borrowLimitPercent());
        }
        out.println(n);
    }
}
