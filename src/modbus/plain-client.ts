/**
 * The plain modbus-serial client class (not node-wot), for tests, benchmarks and tools. Its typings
 * declare `export default` on a CommonJS module; under NodeNext the class is `.default` of the
 * default import (modbus-serial sets `module.exports.default = module.exports`, so it runs too).
 */
import modbusSerial from "modbus-serial";

export const PlainModbusClient = modbusSerial.default;
export type PlainModbusClient = InstanceType<typeof modbusSerial.default>;

/** Connect to host:port and address a unit, with a request timeout. */
export async function connectPlainClient(host: string, port: number, unitId: number, timeoutMs = 2000): Promise<PlainModbusClient> {
  const client = new PlainModbusClient();
  await client.connectTCP(host, { port });
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  return client;
}

export function closePlainClient(client: PlainModbusClient): Promise<void> {
  return new Promise((resolve) => client.close(() => resolve()));
}
