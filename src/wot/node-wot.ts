/**
 * The only door to node-wot. Named ESM imports of @node-wot/* fail at run time and a default
 * import differs between Node and vitest; CommonJS require works in both (NODE-WOT-NOTES.md).
 */
import { createRequire } from "node:module";
import type * as CoreNs from "@node-wot/core";
import type * as HttpNs from "@node-wot/binding-http";
import type * as CoapNs from "@node-wot/binding-coap";
import type * as MqttNs from "@node-wot/binding-mqtt";
import type * as ModbusNs from "@node-wot/binding-modbus";

const require = createRequire(import.meta.url);

export const core = require("@node-wot/core") as typeof CoreNs;
export const http = require("@node-wot/binding-http") as typeof HttpNs;
export const coap = require("@node-wot/binding-coap") as typeof CoapNs;
export const mqtt = require("@node-wot/binding-mqtt") as typeof MqttNs;
export const modbus = require("@node-wot/binding-modbus") as typeof ModbusNs;

export type Servient = CoreNs.Servient;
export type ExposedThing = WoT.ExposedThing;
export type ConsumedThing = WoT.ConsumedThing;
export type WotRuntime = typeof WoT;
