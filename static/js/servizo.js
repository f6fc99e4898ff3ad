// Site-wide behaviour: toasts and the per-user notification socket. Texts go through gettext() from Django's
// JavaScript catalog (/jsi18n/<language>/, loaded before this file by base.html).
(function () {
  "use strict";

  function showToast(text, link) {
    const container = document.getElementById("toast-container");
    if (!container) return;
    const toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    const body = document.createElement("div");
    body.className = "toast-body d-flex gap-2 align-items-start";
    const message = link ? document.createElement("a") : document.createElement("span");
    message.textContent = text; // never innerHTML: text may come from users
    if (link) message.href = link;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close ms-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", gettext("Close"));
    body.append(message, close);
    toast.append(body);
    container.append(toast);
    new bootstrap.Toast(toast, { delay: 6000 }).show();
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
  }

  function bumpBadge(id, delta) {
    const badge = document.getElementById(id);
    if (!badge) return;
    const value = (parseInt(badge.textContent, 10) || 0) + delta;
    badge.textContent = value > 0 ? String(value) : "";
    badge.classList.toggle("d-none", value <= 0);
  }

  // Reconnecting WebSocket with capped exponential backoff.
  function openSocket(path, onMessage, onState) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let delay = 500;
    let socket;
    function connect() {
      socket = new WebSocket(scheme + location.host + path);
      socket.addEventListener("open", () => { delay = 500; onState && onState("connected", socket); });
      socket.addEventListener("message", (e) => onMessage(JSON.parse(e.data), socket));
      socket.addEventListener("close", (e) => {
        if (e.code >= 4400 && e.code < 4500) { onState && onState("refused", socket); return; }
        onState && onState("reconnecting", socket);
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      });
    }
    connect();
    return { send: (data) => socket && socket.readyState === 1 && socket.send(JSON.stringify(data)) };
  }

  // Times written by the browser look like the server's (servizo/templatetags/when.py):
  // "30 Nov 2026, 21:52 PKT", or "21:52 PKT" with {date: false}, in the viewer's zone (<body data-time-zone>).
  const zone = document.body.dataset.timeZone || "UTC";
  function formatWhen(iso, { date = true } = {}) {
    const moment = new Date(iso);
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
    }).formatToParts(moment).forEach((part) => { parts[part.type] = part.value; });
    const offset = parts.timeZoneName.replace("GMT", "") || "+00:00";
    // The server's label ("PKT", "CET") while the offset is today's; on the other side of a summer-time
    // change the browser's abbreviation ("EDT") if it has a real one, else the offset ("UTC+05:00").
    let label = document.body.dataset.timeZoneLabel;
    if (offset !== document.body.dataset.timeZoneOffset) {
      const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" })
        .formatToParts(moment).find((part) => part.type === "timeZoneName").value;
      label = /^[A-Z]{2,5}$/.test(name) ? name : "UTC" + offset;
    }
    const clock = `${parts.hour}:${parts.minute} ${label}`;
    if (document.documentElement.lang === "ur") {  // the month's name in Urdu, like the server's
      parts.month = new Intl.DateTimeFormat("ur-PK", { timeZone: zone, month: "short" }).format(moment);
    }
    return date ? `${parts.day} ${parts.month} ${parts.year}, ${clock}` : clock;
  }

  // Signup: the browser's zone goes in the hidden field (the server ignores a name it does not know).
  document.querySelectorAll("input[data-time-zone-guess]").forEach((input) => {
    try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep the default */ }
  });

  // <time datetime="..." data-when> rendered elsewhere (a card pushed to many viewers) in this viewer's zone.
  function localizeTimes(root) {
    root.querySelectorAll("time[data-when]").forEach((node) => { node.textContent = formatWhen(node.dateTime); });
  }

  window.Servizo = { showToast, bumpBadge, openSocket, formatWhen, localizeTimes, handlers: {} };

  // A submit button with data-confirm="<modal id>" asks in the site's own dialog (never the browser's
  // confirm box); the dialog's [data-confirm-ok] button then submits the form with that button.
  // Without JavaScript the button simply submits: its label says what it does.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const form = event.target;
    if (!button || !button.dataset.confirm || form.dataset.confirmed) return;
    const dialog = document.getElementById(button.dataset.confirm);
    if (!dialog) return;
    event.preventDefault();
    const modal = bootstrap.Modal.getOrCreateInstance(dialog);
    dialog.querySelector("[data-confirm-ok]").onclick = () => {
      form.dataset.confirmed = "1";
      modal.hide();
      form.requestSubmit(button);
    };
    modal.show();
  });

  const path = document.body.dataset.notificationsSocket;
  if (path) {
    openSocket(path, (data) => {
      const handler = window.Servizo.handlers[data.kind];
      if (handler) { handler(data); return; }
      if (data.kind === "notification") {
        bumpBadge("notification-badge", 1);
        showToast(data.text, data.link);
      }
    });
  }
})();
