// Server-Sent Events framing (WHATWG HTML, "event stream interpretation"), shared by the discovery
// client, the console pages (served as /console/assets/sse-parse.js) and the tests: feed text
// chunks, get whole messages. With `json` (the default) data is parsed as JSON when it is JSON.
export function createSseParser({ json = true } = {}) {
  let buffer = "";
  return function feed(chunk) {
    buffer += chunk.replace(/\r\n?/g, "\n");
    const messages = [];
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const message = { event: "message", data: "", id: undefined };
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") message.event = value;
        else if (field === "data") data.push(value);
        else if (field === "id") message.id = value;
      }
      if (data.length === 0) continue;
      const text = data.join("\n");
      message.data = text;
      if (json) {
        try {
          message.data = JSON.parse(text);
        } catch {
          // not JSON: the text as it came
        }
      }
      messages.push(message);
    }
    return messages;
  };
}
