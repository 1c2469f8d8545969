package dev.panamarnn.testing;

import dev.panamarnn.kernels.Kernels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test double: real kernels, but once armed the next matrix product (sgemv, sgemvPacked or sgemm) announces
 * itself and waits to be released — so a test can close or reset an object exactly while a step is
 * inside a kernel. {@link #kernels()} is a dynamic proxy over the {@link Kernels} interface, so it
 * follows the interface as kernels are added.
 */
public final class BlockingKernels {
    private final Kernels inner;
    private final Kernels proxy;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile CountDownLatch entered = new CountDownLatch(0);
    private volatile CountDownLatch released = new CountDownLatch(0);

    public BlockingKernels(Kernels inner) {
        this.inner = inner;
        this.proxy = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (p, method, args) -> invoke(method, args));
    }

    /** The kernels to build a model with. */
    public Kernels kernels() {
        return proxy;
    }

    private Object invoke(Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "sgemv", "sgemm", "sgemvPacked" -> maybeBlock();
            case "name" -> {
                return "blocking-" + inner.name();
            }
            case "toString" -> {
                return "BlockingKernels[" + inner.name() + "]";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return args[0] == proxy;
            }
            default -> { }
        }
        try {
            return method.invoke(inner, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The next product blocks until {@link #release()}. */
    public void arm() {
        entered = new CountDownLatch(1);
        released = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until a step is blocked inside the armed product. */
    public void awaitBlocked() throws InterruptedException {
        if (!entered.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no step reached the armed kernel within 20 s");
        }
    }

    public void release() {
        released.countDown();
    }

    private void maybeBlock() {
        if (armed.compareAndSet(true, false)) {
            entered.countDown();
            try {
                if (!released.await(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("the blocked kernel was not released within 20 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
