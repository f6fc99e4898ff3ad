// Chat: the live navbar unread count on every page, and the conversation page.
// User text only ever reaches the DOM through textContent / text nodes.
(function () {
  "use strict";
  const S = window.Servizo;
  if (!S) return;

  S.handlers.chat_unread = (data) => {
    const badge = document.getElementById("chat-unread-badge");
    if (!badge) return;
    badge.textContent = data.total > 0 ? String(data.total) : "";
    badge.classList.toggle("d-none", !(data.total > 0));
  };

  // Today's messages show the time only; the full form is in the tooltip (the server's shape, S.formatWhen).
  function formatTime(iso) {
    const today = S.formatWhen(new Date().toISOString()).split(",")[0];
    const full = S.formatWhen(iso);
    return full.startsWith(today + ",") ? S.formatWhen(iso, { date: false }) : full;
  }

  document.querySelectorAll("time[data-local]").forEach((node) => {
    node.textContent = formatTime(node.dateTime);
    node.title = S.formatWhen(node.dateTime);
  });

  const root = document.getElementById("chat-root");
  if (!root) return;

  const me = Number(root.dataset.me);
  const list = document.getElementById("chat-messages");
  const log = document.getElementById("chat-log");
  const state = document.getElementById("chat-state");
  const typing = document.getElementById("chat-typing");
  const earlier = document.getElementById("chat-load-earlier");
  const empty = document.getElementById("chat-empty");
  const form = document.getElementById("chat-composer");
  const input = document.getElementById("chat-input");
  const sendButton = document.getElementById("chat-send");
  const errorBox = document.getElementById("chat-error");
  let otherRead = Number(root.dataset.otherRead) || 0;
  let lastId = 0;
  let firstId = null;
  let socket = null;

  const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

  // Text with http(s) links made clickable; everything else stays a text node.
  function linkify(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      const url = match[0].replace(/[.,;:!?)\]]+$/, "");
      parent.append(document.createTextNode(text.slice(last, match.index)));
      const a = document.createElement("a");
      a.href = url;
      a.textContent = url;
      a.rel = "nofollow noopener noreferrer";
      a.target = "_blank";
      parent.append(a);
      last = match.index + url.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function render(message) {
    const li = document.createElement("li");
    li.className = "chat-message " + (message.sender_id === me ? "mine" : "theirs");
    li.dataset.id = String(message.id);
    const bubble = document.createElement("div");
    bubble.className = "chat-bubble";
    if (message.photo) {
      const link = document.createElement("a");
      link.href = message.photo.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.title = gettext("Open the larger photo");
      const img = document.createElement("img");
      img.src = message.photo.thumbnail;
      img.alt = interpolate(gettext("Photo from %(name)s"), { name: message.sender_name }, true);
      img.className = "chat-photo";
      link.append(img);
      bubble.append(link);
    }
    const text = document.createElement("p");
    text.className = "chat-text";
    linkify(text, message.text);
    if (!message.text) text.classList.add("d-none");
    const meta = document.createElement("div");
    meta.className = "chat-meta";
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.title = S.formatWhen(message.created_at);
    time.textContent = formatTime(message.created_at);
    meta.append(time);
    bubble.append(text, meta);
    li.append(bubble);
    return li;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  // Insert in id order, ignoring messages already shown (broadcast and resync may overlap).
  function insert(message) {
    if (list.querySelector(`[data-id="${message.id}"]`)) return false;
    const node = render(message);
    let after = list.lastElementChild;
    while (after && Number(after.dataset.id) > message.id) after = after.previousElementSibling;
    if (after) after.after(node); else list.prepend(node);
    lastId = Math.max(lastId, message.id);
    firstId = firstId === null ? message.id : Math.min(firstId, message.id);
    empty.classList.add("d-none");
    return true;
  }

  function updateSeen() {
    list.querySelectorAll(".chat-seen").forEach((node) => node.remove());
    const mine = [...list.querySelectorAll(".chat-message.mine")].filter((li) => Number(li.dataset.id) <= otherRead);
    const target = mine[mine.length - 1];
    if (!target) return;
    const seen = document.createElement("span");
    seen.className = "chat-seen ms-2";
    seen.textContent = gettext("Seen");
    target.querySelector(".chat-meta").append(seen);
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  }

  let readTimer = null;
  function markRead() {
    if (document.visibilityState !== "visible" || !lastId) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => send({ type: "read", up_to: lastId }), 250);
  }

  function addMessages(messages) {
    const stick = nearBottom();
    let theirs = false;
    for (const message of messages) {
      if (insert(message) && message.sender_id !== me) theirs = true;
    }
    updateSeen();
    if (stick) log.scrollTop = log.scrollHeight;
    if (theirs) markRead();
  }

  let typingTimer = null;
  const handlers = {
    message: (data) => {
      if (data.message.sender_id !== me) typing.classList.add("invisible");
      addMessages([data.message]);
    },
    history: (data) => {
      addMessages(data.messages);
      if (data.more) send({ type: "resync", after: lastId });
    },
    read: (data) => {
      if (data.user_id === me) return;
      otherRead = Math.max(otherRead, data.up_to);
      updateSeen();
    },
    typing: () => {
      typing.classList.remove("invisible");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => typing.classList.add("invisible"), 4000);
    },
    ack: (data) => {
      // This socket's own message comes only in its ack (a server from before that sent it as a message frame).
      if (data.message) addMessages([data.message]);
      input.value = "";
      sendButton.disabled = false;
      errorBox.textContent = "";
      input.focus();
    },
    error: (data) => {
      sendButton.disabled = false;
      errorBox.textContent = data.message;
    },
  };

  const STATES = {
    connected: [gettext("Connected"), "text-bg-success"],
    reconnecting: [gettext("Reconnecting…"), "text-bg-warning"],
    refused: [gettext("Unavailable"), "text-bg-danger"],
  };

  S.openSocket(
    root.dataset.socket,
    (data) => handlers[data.type] && handlers[data.type](data),
    (name, ws) => {
      socket = ws;
      state.textContent = STATES[name][0];
      state.className = "badge " + STATES[name][1];
      state.dataset.state = name;
      if (name === "connected") {
        send({ type: "resync", after: lastId }); // anything missed while away, from the database
        markRead();
      } else if (sendButton) {
        sendButton.disabled = false;
      }
    }
  );

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      if (send({ type: "message", text })) {
        sendButton.disabled = true;
        errorBox.textContent = "";
      } else {
        errorBox.textContent = gettext("Not connected right now; your message is kept here. Try again in a moment.");
      }
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    let lastTyping = 0;
    input.addEventListener("input", () => {
      if (Date.now() - lastTyping > 2500) {
        lastTyping = Date.now();
        send({ type: "typing" });
      }
    });
  }

  // A photo goes over HTTP (the socket carries text); its message comes back on the socket like any other.
  const photoInput = document.getElementById("chat-photo");
  if (photoInput) {
    photoInput.addEventListener("change", async () => {
      const file = photoInput.files[0];
      if (!file) return;
      const data = new FormData();
      data.append("photo", file);
      data.append("text", input.value.trim());
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      sendButton.disabled = true;
      errorBox.textContent = gettext("Sending the photo…");
      try {
        const response = await fetch(root.dataset.photoUrl, { method: "POST", body: data, credentials: "same-origin" });
        const body = await response.json().catch(() => ({ error: gettext("The photo could not be sent. Try again.") }));
        if (response.ok) {
          input.value = "";
          errorBox.textContent = "";
          addMessages([body.message]);
        } else {
          errorBox.textContent = body.error || gettext("The photo could not be sent. Try again.");
        }
      } catch (error) {
        errorBox.textContent = gettext("Not connected right now. Try again in a moment.");
      } finally {
        sendButton.disabled = false;
        photoInput.value = "";
      }
    });
  }

  earlier.addEventListener("click", async () => {
    earlier.disabled = true;
    try {
      const response = await fetch(`${root.dataset.historyUrl}?before=${firstId}`, { credentials: "same-origin" });
      const data = await response.json();
      const height = log.scrollHeight;
      data.messages.forEach(insert);
      updateSeen();
      log.scrollTop += log.scrollHeight - height; // keep the reader where they were
      earlier.classList.toggle("d-none", !data.more);
    } finally {
      earlier.disabled = false;
    }
  });

  document.addEventListener("visibilitychange", markRead);
  addMessages(JSON.parse(document.getElementById("chat-history").textContent));
  log.scrollTop = log.scrollHeight;
})();
