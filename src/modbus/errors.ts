import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Stable error codes of the Modbus part (register maps, register server, node-wot reader). */
export const MODBUS_ERRORS = {
  MODBUS_MAP_INVALID: { status: 500, title: "A register map file does not follow the register-map format" },
  MODBUS_REGISTER_UNKNOWN: { status: 404, title: "No register with that name in the register map" },
  MODBUS_VALUE_OUT_OF_RANGE: { status: 400, title: "Value outside the register's type range or writable limits" },
  MODBUS_REGISTER_READ_ONLY: { status: 405, title: "Register is not writable" },
  MODBUS_SERVER_CONFIG_INVALID: { status: 500, title: "Modbus server configuration is invalid (unit ids, host, port)" },
  MODBUS_SERVER_START_FAILED: { status: 500, title: "Modbus TCP server could not listen" },
  MODBUS_READ_TIMEOUT: { status: 504, title: "A Modbus read through node-wot did not answer in time" },
  MODBUS_READ_FAILED: { status: 502, title: "A Modbus read through node-wot failed (exception response or connection)" },
  MODBUS_WRITE_FAILED: { status: 502, title: "A Modbus write through node-wot failed or timed out" },
  MODBUS_FORM_MISSING: { status: 500, title: "The Thing Description has no Modbus form for that property" },
} as const satisfies ErrorCatalogue;

export const modbusError = errorFactory(MODBUS_ERRORS);
