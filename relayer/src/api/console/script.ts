/**
 * The operator console's script (plain browser JavaScript, no framework, no build step), embedded
 * like ./page.ts. It polls /console/state every 2 s (slower while the tab is hidden) and renders
 * every section from it; between polls a 1 s ticker runs the checkpoint countdowns and the
 * "updated" age. Every value from the API goes in through textContent, never as HTML.
 *
 * Written as a raw string: the script must not contain a backtick or a dollar-brace.
 */

export const CONSOLE_SCRIPT = String.raw`"use strict";
(function () {
  var POLL_MS = 2000;
  var HIDDEN_POLL_MS = 10000;
  var MAX_BACKOFF_MS = 15000;
  var STATE_VERSION = 1;
  var lastState = null;
  var receivedAt = 0;
  var failures = 0;

  function $(id) { return document.getElementById(id); }

  // h("td", { class: "num", title: "x" }, child, "text", ...): children are nodes or text.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var key in attrs) {
        if (attrs[key] === null || attrs[key] === undefined || attrs[key] === false) continue;
        if (key === "class") el.className = attrs[key];
        else el.setAttribute(key, String(attrs[key]));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function age(ms) {
    if (ms === null || ms === undefined) return "—";
    var s = Math.round(ms / 1000);
    if (s < 90) return s + " s";
    var m = Math.round(s / 60);
    if (m < 90) return m + " min";
    var hrs = Math.round(m / 60);
    if (hrs < 48) return hrs + " h";
    return Math.round(hrs / 24) + " d";
  }
  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var hrs = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var mm = (hrs > 0 && m < 10 ? "0" : "") + m;
    return (hrs > 0 ? hrs + ":" : "") + mm + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function blocks(n) {
    return n === null || n === undefined ? "—" : n + (n === 1 ? " block" : " blocks");
  }
  function short(hex) {
    if (!hex) return "—";
    return hex.length > 14 ? hex.slice(0, 8) + "…" + hex.slice(-4) : hex;
  }
  function addr(hex, ours) {
    return h("span", { class: "mono", title: hex }, short(hex), ours ? h("span", { class: "pill pill-info", title: "this relayer's key" }, "us") : null);
  }
  // Wei (a decimal string) as ether with 4 decimals, without floating point.
  function eth(wei) {
    if (wei === null || wei === undefined) return "—";
    var s = String(wei).replace(/^0+(?=\d)/, "");
    while (s.length < 19) s = "0" + s;
    var whole = s.slice(0, s.length - 18);
    var frac = s.slice(s.length - 18, s.length - 14);
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + frac + " ETH";
  }
  function pill(text, kind, attrs) {
    var a = attrs || {};
    a.class = "pill pill-" + kind;
    return h("span", a, text);
  }
  var STATUS_KIND = { sent: "idle", checkpointed: "warn", final: "info", relayed: "ok", failed: "bad", pending: "warn", challenged: "bad", ok: "ok", degraded: "bad", low: "warn", critical: "bad" };
  function statusPill(status, label) {
    return pill(label || status, STATUS_KIND[status] || "idle", { "data-status": status });
  }
  function table(headers, rows, empty) {
    if (rows.length === 0) return h("div", { class: "empty" }, empty);
    return h("table", null,
      h("thead", null, h("tr", null, headers.map(function (x) { return h("th", { class: x.charAt(0) === "#" ? "num" : null }, x.charAt(0) === "#" ? x.slice(1) : x); }))),
      h("tbody", null, rows));
  }
  function stat(label, value, kind) {
    return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value" + (kind ? " " + kind : "") }, value === null || value === undefined ? "—" : value));
  }

  // ------------------------------------------------------------ sections

  function renderTop(state) {
    var overall = $("overall");
    overall.className = "pill pill-" + (state.health.ok ? "ok" : "bad");
    overall.textContent = state.health.ok ? "healthy" : "degraded";
    overall.setAttribute("data-status", state.health.status);
    $("uptime").textContent = "up " + age(state.uptimeMs);
    var banner = $("banner");
    var reasons = state.health.reasons;
    var warnings = state.health.warnings;
    var unknown = state.relayer.unknownExecutions.filter(function (e) { return e.verdict === "unknown"; });
    var lines = [];
    unknown.forEach(function (e) { lines.push({ bad: true, text: "Unknown execution on " + e.lane + ": message " + e.messageId + " (tx " + e.txHash + ") was executed but never sent — a forged checkpoint became final." }); });
    reasons.forEach(function (r) { lines.push({ bad: true, text: r }); });
    warnings.forEach(function (w) { lines.push({ bad: false, text: w }); });
    if (lines.length === 0) { banner.hidden = true; banner.replaceChildren(); return; }
    banner.hidden = false;
    banner.className = "banner " + (lines.some(function (l) { return l.bad; }) ? "bad" : "warn");
    banner.replaceChildren(h("strong", null, lines.some(function (l) { return l.bad; }) ? "Needs attention" : "Warnings"), h("ul", null, lines.map(function (l) { return h("li", null, l.text); })));
  }

  function countdown(c) {
    if (c.status === "pending") {
      return h("span", { class: "pill pill-warn countdown", "data-status": "pending", "data-deadline": String(receivedAt + c.secondsLeft * 1000) }, "final in " + clock(c.secondsLeft));
    }
    if (c.status === "challenged") {
      return h("span", null, statusPill("challenged"), " ", h("span", { class: "small" }, c.challenge.fraud));
    }
    return statusPill("final");
  }

  function renderLane(lane) {
    var hgt = lane.heights;
    var degraded = lane.health.status !== "ok";
    var card = h("section", { class: "card lane", "data-lane": lane.name },
      h("div", { class: "lane-head" }, h("h2", null, lane.source + " → " + lane.destination), statusPill(lane.health.status, degraded ? "degraded" : "ok"),
        h("span", { class: "muted small" }, "messages from " + lane.source + ", checkpointed and relayed on " + lane.destination)));
    lane.health.reasons.forEach(function (r) { card.appendChild(h("p", { class: "reason" }, r)); });
    lane.health.warnings.forEach(function (w) { card.appendChild(h("p", { class: "warning" }, w)); });
    var pending = lane.messages.sent + lane.messages.checkpointed + lane.messages.final;
    card.appendChild(h("div", { class: "stats" },
      stat("pending", pending, pending > 0 ? "warn" : null),
      stat("failed", lane.messages.failed, lane.messages.failed > 0 ? "bad" : null),
      stat("relayed", lane.messages.relayed),
      stat("oldest pending", age(lane.oldestPendingMs))));
    card.appendChild(h("dl", { class: "kv" },
      h("dt", null, lane.source + " head / safe / recorded"), h("dd", { "data-field": "heights" }, [hgt.head, hgt.safe, hgt.recorded].map(function (x) { return x === null ? "—" : x; }).join(" / ")),
      h("dt", null, "confirmation lag"), h("dd", null, blocks(lane.confirmationLag) + " (depth " + lane.confirmations + ")"),
      h("dt", null, "checkpointed through"), h("dd", { "data-field": "submitted" }, hgt.submitted === null ? "nothing yet" : "block " + hgt.submitted + (hgt.final === null ? "" : ", final through " + hgt.final)),
      h("dt", null, "checkpoint lag"), h("dd", { "data-field": "checkpoint-lag" }, blocks(lane.checkpointLag)),
      h("dt", null, "challenge period"), h("dd", null, lane.challengePeriodSeconds === null ? "—" : clock(lane.challengePeriodSeconds)),
      h("dt", null, "last signature round"), h("dd", null, roundText(lane.health.signing))));

    card.appendChild(h("h3", null, "Checkpoints on " + lane.destination));
    card.appendChild(table(["#id", "blocks", "status", "signers", "proposer", "root"], lane.checkpoints.map(function (c) {
      return h("tr", { "data-checkpoint-id": c.id, "data-status": c.status },
        h("td", { class: "num" }, c.id),
        h("td", null, c.startBlock + "–" + c.endBlock),
        h("td", null, countdown(c)),
        h("td", null, c.signers.length + (lane.validators.length ? "/" + lane.validators.length : "")),
        h("td", null, addr(c.proposer, c.ours)),
        h("td", { class: "mono", title: c.blockRoot }, short(c.blockRoot)));
    }), "no checkpoint yet"));

    card.appendChild(h("h3", null, "Validators (threshold " + (lane.threshold === null ? "?" : lane.threshold) + ")"));
    var shown = lane.validators.length ? lane.validators[0].checkpoints : [];
    card.appendChild(table(["validator", "#power", "signed " + (shown.length ? "#" + shown.map(function (c) { return c.id; }).join(", #") : "—"), "last round", "#missed"], lane.validators.map(function (v) {
      return h("tr", { "data-validator": v.address },
        h("td", null, addr(v.address)),
        h("td", { class: "num" }, v.power),
        h("td", null, v.checkpoints.map(function (c) {
          // The chain records the signatures submitted, just enough for the threshold: absent is not missed.
          var cls = c.signed ? (c.status === "challenged" ? "forged" : "yes") : "absent";
          var title = "#" + c.id + ": " + (c.signed ? (c.status === "challenged" ? "named as a signer of a checkpoint that was challenged" : "signature submitted") : "not among the signatures submitted");
          return h("span", { class: "mark " + cls, title: title, "data-checkpoint": c.id, "data-signed": String(c.signed) }, c.signed ? (c.status === "challenged" ? "!" : "✓") : "·");
        })),
        h("td", null, v.lastRound === null ? "—" : v.lastRound.signed ? pill("signed", "ok") : h("span", { class: "err" }, "missed: " + (v.lastRound.reason || "did not sign"))),
        h("td", { class: "num" }, v.missedRounds));
    }), "validator set not read yet"));
    return card;
  }

  function roundText(r) {
    if (!r) return "none (no proposer here, or none yet)";
    return "blocks " + r.startBlock + "–" + r.endBlock + ": power " + r.power + "/" + r.threshold + (r.quorum ? " (quorum)" : " (NO quorum)") + ", " + age(r.ageMs) + " ago" + (r.missing.length ? "; missing " + r.missing.map(function (m) { return short(m.address); }).join(", ") : "");
  }

  function renderChallenges(state) {
    $("challenges").replaceChildren(table(["lane", "checkpoints reverted", "fraud", "challenger", "proposer slashed", "#bond slashed", "#reward", "seen"], state.challenges.map(function (c) {
      return h("tr", { "data-challenge": c.txHash },
        h("td", null, c.lane),
        h("td", null, c.reverted.length ? c.reverted.map(function (r) { return "#" + r.id + " (" + r.startBlock + "–" + r.endBlock + ")"; }).join(", ") : "#" + c.fromId + "–#" + (c.toId - 1)),
        h("td", null, pill(c.fraud, "bad")),
        h("td", null, addr(c.challenger, c.ours)),
        h("td", null, c.proposer ? addr(c.proposer, c.oursSlashed) : "—", c.oursSlashed ? pill("OUR BOND", "bad") : null),
        h("td", { class: "num" }, eth(c.slashedWei)),
        h("td", { class: "num" }, eth(c.rewardWei)),
        h("td", null, age(c.seenAgoMs) + " ago"));
    }), "no challenge seen: every checkpoint so far stood"));
  }

  function renderMessages(state) {
    $("messages").replaceChildren(table(["lane", "status", "message", "source tx", "age", "#attempts", "next try", "last error", "relay"], state.messages.map(function (m) {
      return h("tr", { "data-message-id": m.id, "data-status": m.status },
        h("td", null, m.lane),
        h("td", null, statusPill(m.status)),
        h("td", { class: "mono", title: m.id }, short(m.id)),
        h("td", { class: "mono", title: m.txHash + " log " + m.logIndex }, short(m.txHash)),
        h("td", null, age(m.ageMs)),
        h("td", { class: "num" }, m.attempts),
        h("td", null, m.nextAttemptInMs === null ? "—" : "in " + age(m.nextAttemptInMs)),
        h("td", { class: "err" }, m.lastError || ""),
        h("td", null, m.proofUrl ? h("a", { href: m.proofUrl, target: "_blank", rel: "noopener" }, "exit proof") :
          m.relayTxHash ? h("span", { class: "muted" }, "relayed in ", h("span", { class: "mono", title: m.relayTxHash }, short(m.relayTxHash))) : "—"));
    }), "no message yet"));
  }

  function renderSigners(state) {
    var rows = state.signers.map(function (s) {
      return h("tr", { "data-signer": s.role + ":" + s.chain, "data-status": s.level },
        h("td", null, s.role), h("td", null, s.chain), h("td", null, addr(s.address)),
        h("td", { class: "num" }, eth(s.wei)), h("td", null, statusPill(s.level)), h("td", { class: "muted" }, "warn below " + eth(s.warnWei)));
    });
    var bonds = state.bonds.map(function (b) {
      return h("tr", null, h("td", null, "bond"), h("td", null, b.chain), h("td", null, addr(b.address)), h("td", { class: "num" }, eth(b.wei)), h("td", null, ""), h("td", { class: "muted" }, "in the CheckpointManager"));
    });
    $("signers").replaceChildren(table(["role", "chain", "address", "#balance", "level", ""], rows.concat(bonds), "no sending key in this relayer (or not read yet)"));
  }

  function renderRelayer(state) {
    var r = state.relayer;
    var loops = table(["loop", "last success", "#failures", "last error"], r.loops.map(function (l) {
      var stale = l.consecutiveFailures > 0;
      return h("tr", { "data-loop": l.name },
        h("td", { class: "mono" }, l.name),
        h("td", null, l.lastSuccessAgoMs === null ? "never" : age(l.lastSuccessAgoMs) + " ago"),
        h("td", { class: "num" }, l.failures + (stale ? " (" + l.consecutiveFailures + " in a row)" : "")),
        h("td", { class: "err" }, l.lastError ? l.lastError + (l.lastFailureAgoMs === null ? "" : " (" + age(l.lastFailureAgoMs) + " ago)") : ""));
    }), "no loop has run yet");
    var rpc = r.rpcErrors.length === 0 ? h("div", { class: "empty" }, "no RPC error") :
      table(["chain", "code", "#failed attempts"], r.rpcErrors.map(function (e) { return h("tr", null, h("td", null, e.chain), h("td", { class: "mono" }, e.code), h("td", { class: "num" }, e.count)); }), "");
    var unknown = r.unknownExecutions.length === 0 ? h("div", { class: "empty" }, "none: every execution on the destinations matches a message sent") :
      table(["lane", "message", "tx", "verdict"], r.unknownExecutions.map(function (e) {
        return h("tr", { "data-execution": e.messageId }, h("td", null, e.lane), h("td", { class: "mono", title: e.messageId }, short(e.messageId)), h("td", { class: "mono", title: e.txHash }, short(e.txHash)), h("td", null, pill(e.verdict, e.verdict === "unknown" ? "bad" : "warn")));
      }), "");
    $("relayer").replaceChildren(
      h("dl", { class: "kv" },
        h("dt", null, "pending transactions"), h("dd", null, r.pendingTransactions),
        h("dt", null, "chain reads (monitor)"), h("dd", null, r.monitor === null ? "off" : (r.monitor.lastRunAgoMs === null ? "not yet" : age(r.monitor.lastRunAgoMs) + " ago") + (r.monitor.errors.length ? " — " + r.monitor.errors.join("; ") : ""))),
      h("h3", null, "Run loops"), loops,
      h("h3", null, "RPC errors"), rpc,
      h("h3", null, "Unknown executions"), unknown);
  }

  function render(state) {
    renderTop(state);
    $("lanes").replaceChildren.apply($("lanes"), state.lanes.map(renderLane));
    renderChallenges(state);
    renderMessages(state);
    renderSigners(state);
    renderRelayer(state);
    document.body.setAttribute("data-ready", "true");
  }

  // ------------------------------------------------------------ polling and ticking

  function showError(text) {
    var banner = $("banner");
    banner.hidden = false;
    banner.className = "banner bad";
    banner.replaceChildren(h("strong", null, "Connection problem: "), text);
    $("overall").className = "pill pill-unknown";
    $("overall").textContent = "no data";
    $("overall").setAttribute("data-status", "unknown");
  }

  function poll() {
    fetch("/console/state", { cache: "no-store", credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("/console/state answered HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (state.version !== STATE_VERSION) throw new Error("the relayer speaks console state version " + state.version + ", this page " + STATE_VERSION + ": reload the page");
        lastState = state;
        receivedAt = Date.now();
        failures = 0;
        render(state);
        tick();
      })
      .catch(function (error) {
        failures++;
        showError(String(error && error.message ? error.message : error) + (lastState ? " (showing data from " + age(Date.now() - receivedAt) + " ago)" : ""));
      })
      .then(function () {
        var next = document.hidden ? HIDDEN_POLL_MS : Math.min(POLL_MS * Math.pow(2, failures), MAX_BACKOFF_MS);
        setTimeout(poll, next);
      });
  }

  function tick() {
    if (lastState) $("updated").textContent = "updated " + age(Date.now() - receivedAt) + " ago";
    var items = document.querySelectorAll(".countdown[data-deadline]");
    for (var i = 0; i < items.length; i++) {
      var left = (Number(items[i].getAttribute("data-deadline")) - Date.now()) / 1000;
      items[i].textContent = left > 0 ? "final in " + clock(left) : "finalizing…";
    }
  }

  // ------------------------------------------------------------ lookup

  function renderMatch(m) {
    var s = m.status;
    var details = [];
    if (s && s.checkpointId !== undefined) details.push("checkpoint #" + s.checkpointId);
    if (s && s.status === "challenge-window") details.push("final in " + clock(s.secondsLeft));
    if (m.relayer) {
      details.push("relayer: " + m.relayer.status + ", " + m.relayer.attempts + " attempt(s), recorded " + age(m.relayer.ageMs) + " ago");
      if (m.relayer.relayTxHash) details.push("relay tx " + m.relayer.relayTxHash);
    }
    return h("div", { class: "match", "data-lookup-status": s ? s.status : "unknown" },
      h("p", null, s ? statusPill(s.status === "ready" ? "final" : s.status === "challenge-window" ? "pending" : s.status, s.status) : pill("unknown", "idle"), " ",
        h("span", { class: "mono" }, m.messageId), " ", h("span", { class: "muted" }, m.direction)),
      h("p", null, m.explanation),
      details.length ? h("p", { class: "muted small" }, details.join(" · ")) : null,
      m.relayer && m.relayer.proofUrl ? h("p", null, h("a", { href: m.relayer.proofUrl, target: "_blank", rel: "noopener" }, "exit proof for a manual relay")) : null);
  }

  function lookup(event) {
    event.preventDefault();
    var q = $("lookup-q").value.trim();
    var out = $("lookup-result");
    out.replaceChildren(h("div", { class: "empty" }, "looking up…"));
    fetch("/console/lookup?q=" + encodeURIComponent(q), { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok) { out.replaceChildren(h("div", { class: "match", "data-lookup-status": "error" }, h("p", { class: "err" }, r.body.error || "lookup failed"))); return; }
        out.replaceChildren.apply(out, r.body.matches.map(renderMatch));
      })
      .catch(function (error) { out.replaceChildren(h("div", { class: "err" }, String(error))); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("lookup-form").addEventListener("submit", lookup);
    poll();
    setInterval(tick, 1000);
  });
})();
`;
