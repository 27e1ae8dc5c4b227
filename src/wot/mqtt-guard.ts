/**
 * node-wot 0.8.16's MqttBrokerServer adds one "message" listener to its broker client for every
 * exposed Thing, each of which dispatches every message: with N Things an action published once
 * runs N times. After each expose we keep a single listener.
 */
interface MqttServerInternals {
  broker?: { listeners(event: string): Array<(...args: unknown[]) => void>; removeListener(event: string, fn: (...args: unknown[]) => void): void; setMaxListeners?(n: number): void };
}

export function dedupeMqttMessageListeners(server: unknown): number {
  const broker = (server as MqttServerInternals).broker;
  if (!broker) return 0;
  const listeners = broker.listeners("message");
  // node-wot's listeners are `handleMessage.bind(this)`: every one is named "bound handleMessage".
  const bound = listeners.filter((fn) => fn.name === "bound handleMessage");
  for (const fn of bound.slice(1)) broker.removeListener("message", fn);
  return Math.max(0, bound.length - 1);
}
