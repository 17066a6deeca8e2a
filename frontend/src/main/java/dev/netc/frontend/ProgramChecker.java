package dev.netc.frontend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Checks a whole file: item names, blocks, then each model with its train block. */
final class ProgramChecker {
    private final Diagnostics diags;

    ProgramChecker(Diagnostics diags) { this.diags = diags; }

    List<CheckedModel> check(Ast.Program program) {
        Map<String, Ast.Block> blocks = new HashMap<>();
        Map<String, Ast.Model> models = new LinkedHashMap<>();
        Map<String, Ast.Train> trains = new HashMap<>();
        for (Ast.Item item : program.items()) {
            switch (item) {
                case Ast.Block b -> declareBlock(blocks, b);
                case Ast.Model m -> {
                    Ast.Model first = models.putIfAbsent(m.name(), m);
                    if (first != null) diags.error(m.nameSpan(), "model '" + m.name() + "' is already defined",
                            List.of("first defined at " + Spans.at(first.nameSpan())));
                }
                case Ast.Train t -> { }
            }
        }
        for (Ast.Item item : program.items()) {
            if (!(item instanceof Ast.Train t)) continue;
            if (!models.containsKey(t.name())) {
                diags.error(t.nameSpan(), "train block for unknown model '" + t.name() + "'", Names.suggest(t.name(), models.keySet()));
                continue;
            }
            Ast.Train first = trains.putIfAbsent(t.name(), t);
            if (first != null) diags.error(t.nameSpan(), "model '" + t.name() + "' already has a train block",
                    List.of("first train block at " + Spans.at(first.nameSpan())));
        }
        if (models.isEmpty()) diags.error(Spans.start(), "no model defined in " + diags.file().name(),
                List.of("a file needs at least one 'model NAME { ... }'"));
        List<CheckedModel> checked = new ArrayList<>();
        for (Ast.Model m : models.values()) model(m, blocks, trains.get(m.name())).ifPresent(checked::add);
        return checked;
    }

    private void declareBlock(Map<String, Ast.Block> blocks, Ast.Block b) {
        if (Builtins.NAMES.contains(b.name()) || InitializerSyntax.FUNCTIONS.contains(b.name())) {
            diags.error(b.nameSpan(), "block '" + b.name() + "' has the name of a builtin function", List.of("rename the block"));
            return;
        }
        // Reported, but declared all the same so that its calls are checked as usual.
        ReservedNames.forPrefix("block name", b.name()).ifPresent(problem -> diags.error(b.nameSpan(), problem, List.of("rename the block")));
        Ast.Block first = blocks.putIfAbsent(b.name(), b);
        if (first != null) {
            diags.error(b.nameSpan(), "block '" + b.name() + "' is already defined", List.of("first defined at " + Spans.at(first.nameSpan())));
            return;
        }
        Set<String> params = new HashSet<>();
        for (Ast.Name p : b.params())
            if (!params.add(p.name())) diags.error(p.span(), "block '" + b.name() + "' has two arguments named '" + p.name() + "'");
        if (b.body().stream().noneMatch(s -> s instanceof Ast.Return))
            diags.error(b.nameSpan(), "block '" + b.name() + "' has no return statement", List.of("end the block with: return EXPR"));
    }

    private Optional<CheckedModel> model(Ast.Model m, Map<String, Ast.Block> blocks, Ast.Train train) {
        int before = diags.count();
        Elaborator el = new Elaborator(diags, blocks);
        Frame frame = el.model(m);
        var spec = train == null ? Optional.<dev.netc.ir.train.TrainSpec>empty()
                : new TrainChecker(el, frame, diags).check(train);
        if (diags.count() != before) return Optional.empty();
        return Optional.of(new CheckedModel(m.name(), el.emitter().build(), spec, el.emitter().rows()));
    }
}
