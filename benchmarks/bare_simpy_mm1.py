"""A bare SimPy M/M/1 (one process per customer, a Resource): the speed yardstick for bench_sim.py.

Usage: python benchmarks/bare_simpy_mm1.py [CUSTOMERS]   (prints the mean time in system)
"""

import random
import sys

import simpy

RATE, SERVICE_MEAN = 0.8, 1.0


def customer(env, server, rng, sojourns):
    arrived = env.now
    with server.request() as request:
        yield request
        yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN))
    sojourns.append(env.now - arrived)


def source(env, server, rng, customers, sojourns):
    for _ in range(customers):
        yield env.timeout(rng.expovariate(RATE))
        env.process(customer(env, server, rng, sojourns))


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    sojourns: list[float] = []
    env.process(source(env, server, random.Random(1), customers, sojourns))
    env.run()
    print(f"{len(sojourns)} customers, mean time in system {sum(sojourns) / len(sojourns):.4f}")


if __name__ == "__main__":
    main()
