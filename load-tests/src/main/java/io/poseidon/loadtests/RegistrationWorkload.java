package io.poseidon.loadtests;

import io.poseidon.schemas.depths.ServiceRegistered;

/**
 * The registrations both paths send: request {@code i} registers instance {@code (i / services) %
 * instancesPerService} of service {@code i % services}, so consecutive requests spread over every
 * service (the Kafka key, hence the partitions) and the same keys come back again and again, like
 * re-registering instances.
 */
public final class RegistrationWorkload {

  public static final String HOST = "10.0.0.7";
  public static final int PORT = 8443;
  public static final int TTL_SECONDS = 600;

  private final String[] services;
  private final String[] instanceIds;

  public RegistrationWorkload(int services, int instancesPerService) {
    this.services = new String[services];
    for (int s = 0; s < services; s++) {
      this.services[s] = String.format("svc-%02d", s);
    }
    this.instanceIds = new String[instancesPerService];
    for (int n = 0; n < instancesPerService; n++) {
      this.instanceIds[n] = String.format("inst-%02d", n);
    }
  }

  public static RegistrationWorkload defaults() {
    return new RegistrationWorkload(50, 20);
  }

  public String service(long index) {
    return services[(int) (index % services.length)];
  }

  public String instanceId(long index) {
    return instanceIds[(int) ((index / services.length) % instanceIds.length)];
  }

  /** The body of {@code POST /api/v1/services/{service}/instances}. */
  public static String jsonBody(String instanceId) {
    return "{\"instanceId\":\"" + instanceId + "\",\"host\":\"" + HOST + "\",\"port\":" + PORT
        + ",\"ttlSeconds\":" + TTL_SECONDS + "}";
  }

  /** The same registration as the Avro payload the gateway produces for that body. */
  public static ServiceRegistered registered(String service, String instanceId) {
    return ServiceRegistered.newBuilder()
        .setService(service)
        .setInstanceId(instanceId)
        .setHost(HOST)
        .setPort(PORT)
        .setTtlSeconds(TTL_SECONDS)
        .build();
  }

  public String describe() {
    return services.length + " services x " + instanceIds.length + " instances";
  }
}
