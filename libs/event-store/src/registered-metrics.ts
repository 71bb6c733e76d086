import { Counter, type CounterConfiguration, Histogram, type HistogramConfiguration, register } from 'prom-client';

/*
 * Metrics in prom-client's default registry, which the api's GET /metrics
 * exposes (issue 20, item 2): the event store's, the read model's and the
 * api's, here in the lowest library they all use. Each is looked up by its
 * name before it is made: a process that loads a module twice (jest's module
 * registries, the CLI beside the api's code) must not register a name twice,
 * which throws.
 */

export function registeredCounter<L extends string>(configuration: CounterConfiguration<L>): Counter<L> {
  return (register.getSingleMetric(configuration.name) as Counter<L> | undefined) ?? new Counter(configuration);
}

export function registeredHistogram<L extends string>(configuration: HistogramConfiguration<L>): Histogram<L> {
  return (register.getSingleMetric(configuration.name) as Histogram<L> | undefined) ?? new Histogram(configuration);
}
