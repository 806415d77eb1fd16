// The API docs page: reads the OpenAPI document and lists every operation,
// with a form to try each one against the running app. Built with DOM calls
// only (never innerHTML), so text from the document cannot become markup, and
// loaded as a same-origin script so a nonce-based Content-Security-Policy
// allows it without 'unsafe-inline'.
(function () {
  "use strict";
  var root = document.getElementById("hipflask-docs");
  if (!root) return;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function resolve(spec, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen < 20) {
      var name = schema.$ref.split("/").pop();
      schema = (spec.components && spec.components.schemas || {})[name];
      seen += 1;
    }
    return schema || {};
  }

  function describe(spec, schema, depth) {
    schema = resolve(spec, schema);
    if (depth > 4) return "…";
    if (schema.anyOf) return schema.anyOf.map(function (s) { return describe(spec, s, depth + 1); }).join(" | ");
    if (schema.enum) return schema.enum.map(function (v) { return JSON.stringify(v); }).join(" | ");
    var type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
    if (type === "array") return "array of " + describe(spec, schema.items || {}, depth + 1);
    if (schema.format) type += " (" + schema.format + ")";
    return type;
  }

  function schemaTable(spec, schema) {
    schema = resolve(spec, schema);
    var props = schema.properties;
    if (!props) return el("code", "type", describe(spec, schema, 0));
    var required = schema.required || [];
    var table = el("table", "fields");
    Object.keys(props).forEach(function (name) {
      var row = el("tr");
      row.appendChild(el("td", "name", name + (required.indexOf(name) >= 0 ? " *" : "")));
      row.appendChild(el("td", "type", describe(spec, props[name], 0)));
      row.appendChild(el("td", "desc", resolve(spec, props[name]).description || ""));
      table.appendChild(row);
    });
    return table;
  }

  function example(spec, schema, depth) {
    schema = resolve(spec, schema);
    if (depth > 4) return null;
    if (schema.default !== undefined) return schema.default;
    if (schema.enum) return schema.enum[0];
    if (schema.anyOf) return example(spec, schema.anyOf[0], depth + 1);
    var type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === "object" || schema.properties) {
      var out = {};
      Object.keys(schema.properties || {}).forEach(function (k) { out[k] = example(spec, schema.properties[k], depth + 1); });
      return out;
    }
    if (type === "array") return [];
    if (type === "integer" || type === "number") return schema.minimum || 0;
    if (type === "boolean") return false;
    if (type === "null") return null;
    return "";
  }

  function tryForm(spec, path, method, op) {
    var form = el("form", "try");
    var inputs = {};
    (op.parameters || []).forEach(function (p) {
      var label = el("label", null, p.name + " (" + p.in + ")" + (p.required ? " *" : ""));
      var input = el("input");
      input.name = p.name;
      label.appendChild(input);
      form.appendChild(label);
      inputs[p.name] = { param: p, input: input };
    });
    var body = null;
    var content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (content) {
      body = el("textarea");
      body.rows = 6;
      body.value = JSON.stringify(example(spec, content.schema, 0), null, 2);
      form.appendChild(body);
    }
    var button = el("button", null, "Send");
    button.type = "submit";
    form.appendChild(button);
    var output = el("pre", "output");
    form.appendChild(output);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = path;
      var query = new URLSearchParams();
      var headers = {};
      Object.keys(inputs).forEach(function (name) {
        var p = inputs[name].param;
        var value = inputs[name].input.value;
        if (value === "") return;
        if (p.in === "path") url = url.replace("{" + name + "}", encodeURIComponent(value));
        else if (p.in === "query") query.append(name, value);
        else if (p.in === "header") headers[name] = value;
      });
      var init = { method: method.toUpperCase(), headers: headers, credentials: "same-origin" };
      if (body) {
        headers["Content-Type"] = "application/json";
        init.body = body.value;
      }
      var qs = query.toString();
      output.textContent = "…";
      fetch(url + (qs ? "?" + qs : ""), init).then(function (response) {
        return response.text().then(function (text) {
          output.textContent = response.status + " " + response.statusText + "\n\n" + text;
        });
      }, function (error) { output.textContent = String(error); });
    });
    return form;
  }

  function operation(spec, path, method, op) {
    var details = el("details", "op " + method);
    var summary = el("summary");
    summary.appendChild(el("span", "method", method.toUpperCase()));
    summary.appendChild(el("span", "path", path));
    summary.appendChild(el("span", "summary", op.summary || ""));
    details.appendChild(summary);
    if (op.description) details.appendChild(el("p", "description", op.description));
    if (op.security && op.security.length) {
      details.appendChild(el("p", "security", "Security: " + op.security.map(function (s) { return Object.keys(s).join(" + "); }).join(" or ")));
    }
    if (op.parameters && op.parameters.length) {
      details.appendChild(el("h4", null, "Parameters"));
      var table = el("table", "fields");
      op.parameters.forEach(function (p) {
        var row = el("tr");
        row.appendChild(el("td", "name", p.name + (p.required ? " *" : "")));
        row.appendChild(el("td", "in", p.in));
        row.appendChild(el("td", "type", describe(spec, p.schema || {}, 0)));
        table.appendChild(row);
      });
      details.appendChild(table);
    }
    if (op.requestBody) {
      details.appendChild(el("h4", null, "Request body"));
      Object.keys(op.requestBody.content || {}).forEach(function (type) {
        details.appendChild(el("p", "media", type));
        details.appendChild(schemaTable(spec, op.requestBody.content[type].schema || {}));
      });
    }
    details.appendChild(el("h4", null, "Responses"));
    Object.keys(op.responses || {}).forEach(function (code) {
      var response = op.responses[code];
      details.appendChild(el("p", "status", code + " " + (response.description || "")));
      var json = response.content && response.content["application/json"];
      if (json && json.schema) details.appendChild(schemaTable(spec, json.schema));
    });
    details.appendChild(el("h4", null, "Try it"));
    details.appendChild(tryForm(spec, path, method, op));
    return details;
  }

  function render(spec) {
    root.textContent = "";
    var info = spec.info || {};
    root.appendChild(el("h1", null, (info.title || "API") + " " + (info.version || "")));
    if (info.description) root.appendChild(el("p", "description", info.description));
    var methods = ["get", "post", "put", "patch", "delete"];
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      methods.forEach(function (method) {
        if (item[method]) root.appendChild(operation(spec, path, method, item[method]));
      });
    });
  }

  fetch(root.getAttribute("data-spec-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(render, function (error) { root.textContent = "Could not load the API document: " + error; });
})();
