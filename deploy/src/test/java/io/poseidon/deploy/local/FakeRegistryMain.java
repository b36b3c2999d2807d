package io.poseidon.deploy.local;

/** Stands in for the registry's runner jar in failure tests: prints, then never becomes ready. */
public final class FakeRegistryMain {

    private FakeRegistryMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("fake registry: starting");
        System.out.println("fake registry: stuck forever");
        Thread.sleep(Long.MAX_VALUE);
    }
}
