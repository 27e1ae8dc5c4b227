// Tiny DOM helpers shared by the views: el("tag", {attrs, onclick}, ...children).
export function el(tag, attrs = {}, ...children) {
  const node = tag === "svg" || attrs.xmlns === "svg" ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false || k === "xmlns") continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** An SVG element (circle, path, line, text, g…). */
export function svg(tag, attrs = {}, ...children) {
  return el(tag, { ...attrs, xmlns: "svg" }, ...children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export const kw = (w) => (w === null || w === undefined || Number.isNaN(w) ? "—" : `${(w / 1000).toFixed(1)} kW`);

/** Adds a stylesheet for the life of a view; returns the remover. */
export function useStylesheet(href) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
  return () => link.remove();
}
