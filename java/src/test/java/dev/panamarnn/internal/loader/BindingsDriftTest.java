package dev.panamarnn.internal.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fails when native/include/rnnk.h and the committed jextract bindings drift apart: a function
 * declared in the header without a binding (or the reverse), a different parameter count or
 * types, or a function missing from the --include-function list of bindings/regen.sh.
 */
class BindingsDriftTest {
    private static final Pattern DECLARATION = Pattern.compile(
            "RNNK_API\\s+([\\w\\s*]+?)\\s*\\b(rnnk_\\w+)\\s*\\(([^)]*)\\)\\s*;", Pattern.DOTALL);

    record CFunction(String name, String returnType, List<String> parameterTypes) {}

    static Path root() {
        return Path.of(System.getProperty("rnn.project.root", ".."));
    }

    static Map<String, CFunction> headerFunctions() throws IOException {
        String header = Files.readString(root().resolve("native/include/rnnk.h"))
                .replaceAll("(?s)/\\*.*?\\*/", " ");
        Map<String, CFunction> functions = new TreeMap<>();
        Matcher m = DECLARATION.matcher(header);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            String list = m.group(3).trim();
            if (!list.isEmpty() && !list.equals("void")) {
                for (String p : list.split(",")) {
                    // drop the parameter name: the type is everything before the last identifier
                    String type = p.trim().replaceAll("\\b\\w+$", "").replace("const", "").replaceAll("\\s+", "");
                    params.add(type);
                }
            }
            functions.put(m.group(2), new CFunction(m.group(2), m.group(1).replaceAll("\\s+", ""), params));
        }
        return functions;
    }

    static Class<?> javaType(String cType) {
        if (cType.endsWith("*")) return MemorySegment.class;
        return switch (cType) {
            case "rnnk_openblas_dojob" -> MemorySegment.class; // a function-pointer typedef
            case "int64_t", "size_t" -> long.class;
            case "int32_t", "int" -> int.class;
            case "float" -> float.class;
            case "double" -> double.class;
            case "void" -> void.class;
            default -> throw new AssertionError("no Java mapping for C type '" + cType + "' in rnnk.h");
        };
    }

    @Test
    void everyHeaderFunctionHasAMatchingBinding() throws IOException {
        Map<String, CFunction> header = headerFunctions();
        assertFalse(header.isEmpty(), "no RNNK_API declarations parsed from rnnk.h");
        assertTrue(header.containsKey("rnnk_lstm_forward_step"), header.keySet().toString());
        Map<String, Method> bindings = new TreeMap<>();
        for (Method method : rnnk_h.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) && method.getName().startsWith("rnnk_") && !method.getName().contains("$")) {
                bindings.put(method.getName(), method);
            }
        }
        assertEquals(header.keySet(), bindings.keySet(),
                "functions in rnnk.h vs bindings: regenerate with bindings/regen.sh");
        for (CFunction f : header.values()) {
            Method binding = bindings.get(f.name());
            List<Class<?>> expected = f.parameterTypes().stream().<Class<?>>map(BindingsDriftTest::javaType).toList();
            assertEquals(expected, List.of(binding.getParameterTypes()), f.name() + " parameters (count and types)");
            assertEquals(javaType(f.returnType()), binding.getReturnType(), f.name() + " return type");
        }
    }

    @Test
    void regenScriptListsEveryHeaderFunction() throws IOException {
        String script = Files.readString(root().resolve("bindings/regen.sh"));
        for (String name : headerFunctions().keySet()) {
            if (!script.contains("--include-function " + name + " ")) {
                fail("bindings/regen.sh has no '--include-function " + name + "'");
            }
        }
    }
}
