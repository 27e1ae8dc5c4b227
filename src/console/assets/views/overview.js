// The Overview: the site's energy flow, grid frequency and RoCoF, the grid meter per phase, PV
// and wind against forecast, the battery fleet, demand by region / substation / feeder and the
// VPP's mode and last dispatch, all live over GET /console/live (SSE). Operators and admins also
// get the simulator's scenario controls.
import { el } from "../dom.js";
import { createFlow } from "../overview/flow.js";
import { createFrequencyChart } from "../overview/frequency-chart.js";
import { renderBatteries, renderDemand, renderGrid, renderRenewables, renderVpp } from "../overview/tables.js";
import { createControls } from "../overview/controls.js";
import { clock, hz, isNum, signed, useStylesheet } from "../overview/format.js";

const STATES = { open: ["live", "ok"], retrying: ["reconnecting…", "warn"], closed: ["disconnected", "bad"], connecting: ["connecting…", "warn"] };

export default {
  title: "Overview",
  mount(root, ctx) {
    const removeCss = useStylesheet("/console/assets/overview/overview.css");
    const liveState = el("span", { id: "live-state", class: "badge warn", role: "status" }, "connecting…");
    const simTime = el("span", { id: "sim-time", class: "muted" }, "sim time —");
    const flow = createFlow();
    const chart = createFrequencyChart();
    const freq = el("span", { class: "big", id: "overview-frequency" }, "—");
    // Screen readers hear when the frequency leaves or re-enters the band, not every sample.
    const bandStatus = el("span", { id: "band-status", class: "visually-hidden", role: "status", "aria-live": "polite" }, "");
    const dev = el("span", { id: "overview-deviation" }, "");
    const rocof = el("span", { id: "overview-rocof", class: "muted" }, "");
    // Tables refresh every second: not a live region (main is one), or a screen reader would read them all the time.
    const slot = (id) => el("div", { id, "aria-live": "off" });
    const slots = { grid: slot("grid-slot"), vpp: slot("vpp-slot"), renewables: slot("renewables-slot"), batteries: slot("batteries-slot"), demand: slot("demand-slot") };
    let level = "region";
    let last;
    const levelPicker = el(
      "fieldset",
      { class: "levels" },
      el("legend", { class: "muted" }, "Group by"),
      ["region", "substation", "feeder"].map((l) => {
        const input = el("input", { type: "radio", name: "demand-level", id: `demand-${l}`, value: l, checked: l === level });
        input.addEventListener("change", () => {
          level = l;
          if (last) slots.demand.replaceChildren(renderDemand(last.demand, level));
        });
        return el("span", {}, input, el("label", { for: `demand-${l}` }, l));
      }),
    );
    const card = (id, title, ...children) => el("section", { class: "card", id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...children);

    const half = (node) => {
      node.classList.add("half");
      return node;
    };
    const controlsSlot = el("div", { id: "controls-slot" });
    root.append(
      el("div", { class: "ov-head" }, el("h2", {}, "Site overview"), simTime, liveState),
      el(
        "div",
        { class: "ov-top", "aria-live": "off" },
        card("flow-card", "Energy flow", flow.node),
        card("frequency-card", "Grid frequency", el("p", { class: "freq-now" }, freq, " ", dev, " ", rocof, bandStatus), chart.node),
      ),
      el(
        "div",
        { class: "ov-grid" },
        card("grid-card", "Grid meter", slots.grid),
        card("batteries-card", "Battery fleet", slots.batteries),
        card("vpp-card", "VPP dispatch", slots.vpp),
        half(card("renewables-card", "PV and wind against forecast", slots.renewables)),
        half(card("demand-card", "Demand", levelPicker, slots.demand)),
      ),
      controlsSlot,
    );

    let controls;
    const renderControls = () => {
      controls?.dispose();
      controls = undefined;
      controlsSlot.replaceChildren();
      if (ctx.has("operator")) {
        controls = createControls(ctx);
        controlsSlot.append(controls.node);
      }
    };
    renderControls();
    const offPrincipal = ctx.onPrincipal(renderControls);

    function show(s) {
      last = s;
      simTime.textContent = `sim time ${clock(s.simTime)}`;
      const g = s.grid;
      if (g && isNum(g.frequencyHz)) {
        freq.textContent = hz(g.frequencyHz);
        freq.className = `big ${g.outsideBand ? "out-of-band" : ""}`;
        dev.textContent = `Δf ${signed(g.deviationHz, 3, "Hz")} ${g.outsideBand ? "outside" : "inside"} ±${s.bandHz} Hz`;
        const said = `Frequency ${g.outsideBand ? "outside" : "inside"} the ±${s.bandHz} Hz band`;
        if (bandStatus.textContent !== said) bandStatus.textContent = said;
        dev.className = g.outsideBand ? "badge bad" : "badge ok";
        rocof.textContent = `RoCoF ${signed(g.rocofHzPerS, 4, "Hz/s")}`;
        chart.add({ t: Date.parse(s.simTime), frequencyHz: g.frequencyHz, rocofHzPerS: g.rocofHzPerS });
      }
      flow.update(s.flow);
      slots.grid.replaceChildren(renderGrid(g));
      slots.vpp.replaceChildren(renderVpp(s.vpp, g));
      slots.renewables.replaceChildren(renderRenewables(s.renewables));
      slots.batteries.replaceChildren(renderBatteries(s.batteries));
      slots.demand.replaceChildren(renderDemand(s.demand, level));
    }

    const close = ctx.stream(
      "/console/live",
      ({ event, data }) => {
        if (event === "history") {
          chart.setBand(data.nominalHz, data.bandHz);
          chart.load(data.points, data.resumed);
        } else if (event === "snapshot") show(data);
      },
      {
        onState(state, error) {
          const [text, cls] = STATES[state] ?? [state, "warn"];
          liveState.textContent = error ? `${text}: ${error.message}` : text;
          liveState.className = `badge ${cls}`;
        },
      },
    );

    return {
      unmount() {
        close();
        offPrincipal();
        controls?.dispose();
        chart.destroy();
        removeCss();
      },
    };
  },
};
