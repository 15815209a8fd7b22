// A student's pages: their tests, taking one (one item at a time, the server's deadline as a
// countdown, spoken answers recorded in the browser), and their released result.

import { ApiError, call, get, post, upload, user } from "../api.js";
import { describe, h, link, message, progressBar, table, when } from "../dom.js";
import { followJob } from "../jobs.js";
import { go } from "../main.js";
import { extensionFor, MicrophoneError, Recorder } from "../recorder.js";

const TYPE_LABELS = {
  read_aloud: "Read aloud",
  repeat: "Repeat",
  sentence_builds: "Sentence builds",
  short_answer: "Short answer",
  story_retelling: "Story retelling",
  open_question: "Open question",
  typing: "Typing",
  sentence_completion: "Sentence completion",
  dictation: "Dictation",
  passage_reconstruction: "Passage reconstruction",
  email_writing: "Email writing",
  mcq: "Multiple choice",
};
const INSTRUCTIONS = {
  read_aloud: "Read the text aloud, clearly and at a natural pace. Record your answer.",
  repeat: "Listen to the sentence, then say it back exactly. Record your answer.",
  sentence_builds: "Listen to the phrases, then say them as one sensible sentence. Record your answer.",
  short_answer: "Listen to the question and answer it with a word or a few words. Record your answer.",
  story_retelling: "Listen to the story, then tell it again in your own words. Record your answer.",
  open_question: "Answer the question in your own words. Record your answer.",
  typing: "Type the passage as quickly and accurately as you can. Your time starts when you open the item.",
  sentence_completion: "Write the missing word.",
  dictation: "Listen to the sentence and type exactly what you hear.",
  passage_reconstruction: "Read the passage while it is shown. When it disappears, write it again in your own words.",
  email_writing: "Write the email. Cover every point listed.",
  mcq: "Choose one answer.",
};
const SPOKEN = new Set(["read_aloud", "repeat", "sentence_builds", "short_answer", "story_retelling", "open_question"]);
const STATE_TEXT = { unanswered: "Not answered", received: "Saved: being scored", scored: "Saved and scored", failed: "Could not be scored: answer again" };

export async function myTestsView() {
  const me = user();
  const [tests, history] = await Promise.all([get("/me/tests?per_page=50"), get(`/students/${me.id}/results?per_page=20`)]);
  const startButton = (test) =>
    test.attempts_left > 0 || test.state === "in_progress"
      ? h("button", { type: "button", onclick: () => start(test.id) }, test.state === "in_progress" ? "Resume" : "Start")
      : "No attempts left";
  return h(
    "section",
    {},
    h("h1", {}, "My tests"),
    table(
      "Tests open now",
      [
        { label: "Test", cell: (test) => test.title },
        { label: "Open until", cell: (test) => when(test.window_end) },
        { label: "Minutes", cell: (test) => String(test.duration_minutes) },
        { label: "Attempts left", cell: (test) => String(test.attempts_left) },
        { label: "", cell: startButton },
      ],
      tests.items,
    ),
    h("h2", {}, "My results"),
    table(
      "My attempts",
      [
        { label: "Test", cell: (row) => row.test_title || row.test_id },
        { label: "Started", cell: (row) => when(row.started_at) },
        { label: "Result", cell: (row) => resultCell(row) },
      ],
      history.items,
    ),
  );
}

function resultCell(row) {
  if (row.state === "in_progress") return link(`/attempts/${row.attempt_id}`, "Continue");
  const text = row.result_state === "released" ? `Overall ${row.overall ?? "—"}: see details` : "Awaiting release";
  return link(`/attempts/${row.attempt_id}/result`, text);
}

async function start(testId) {
  const attempt = await post(`/tests/${testId}/attempts`);
  go(`/attempts/${attempt.id}`);
}

// /tests/<id> (the link in test_assigned emails): a student starts or resumes; an admin sees the test.
export async function testLinkView(testId) {
  if (user().role !== "student") {
    go(`/admin/tests/${testId}`, true);
    return h("p", {}, "Opening the test…");
  }
  const tests = await get("/me/tests?per_page=200");
  const test = tests.items.find((candidate) => candidate.id === testId);
  if (!test) return h("section", {}, h("h1", {}, "Test not open"), message("This test is not open for you now.", "error"), link("/tests", "My tests"));
  return h(
    "section",
    { class: "narrow" },
    h("h1", {}, test.title),
    h("p", {}, `${test.duration_minutes} minutes; open until ${when(test.window_end)}.`),
    h("button", { type: "button", onclick: () => start(test.id) }, test.state === "in_progress" ? "Resume" : "Start the test"),
  );
}

// --- taking a test ----------------------------------------------------------------------------

export async function takeTestView(attemptId, signal) {
  const answer = await call("GET", `/attempts/${attemptId}`, { withStatus: true });
  const attempt = answer.body;
  if (attempt.state !== "in_progress") {
    go(`/attempts/${attemptId}/result`, true);
    return h("p", {}, "This attempt is finished.");
  }
  const skew = serverSkew(answer.headers);
  const wanted = Number(new URLSearchParams(location.search).get("item"));
  const firstOpen = attempt.items.findIndex((item) => item.answer_state === "unanswered");
  const index = wanted >= 1 && wanted <= attempt.items.length ? wanted - 1 : Math.max(0, firstOpen);
  const page = h("section", { class: "take" });
  const itemBox = h("div", { class: "item" });
  page.append(
    h("h1", {}, "Test in progress"),
    countdown(attempt.deadline, skew, signal, () => go(`/attempts/${attemptId}/result`)),
    itemList(attempt, index),
    itemBox,
    finishBox(attempt),
  );
  itemBox.append(await itemView(attempt, index, signal));
  return page;
}

function serverSkew(headers) {
  const serverDate = Date.parse(headers.get("Date") || "");
  return Number.isNaN(serverDate) ? 0 : serverDate - Date.now();
}

function countdown(deadline, skew, signal, onOver) {
  const output = h("output", { class: "countdown", "aria-live": "off" });
  const box = h("p", { class: "deadline" }, "Time left: ", output);
  const end = Date.parse(deadline);
  let warned = false;
  const tick = () => {
    if (signal.aborted) return;
    const left = Math.max(0, Math.round((end - (Date.now() + skew)) / 1000));
    output.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left <= 60 && !warned) {
      warned = true;
      box.append(h("span", { class: "visually-hidden", role: "alert" }, "One minute left."));
    }
    if (left === 0) {
      box.replaceChildren(message("Time is over. Your answers so far are kept.", "error"));
      setTimeout(onOver, 3000);
      return;
    }
    setTimeout(tick, 1000);
  };
  tick();
  return box;
}

function itemList(attempt, index) {
  return h(
    "nav",
    { class: "item-list", "aria-label": "Items" },
    h(
      "ol",
      {},
      attempt.items.map((item, position) =>
        h(
          "li",
          {},
          h(
            "a",
            {
              href: `/attempts/${attempt.id}?item=${position + 1}`,
              "data-link": "",
              "aria-current": position === index ? "step" : null,
              class: `state-${item.answer_state}`,
            },
            `${position + 1}`,
            h("span", { class: "visually-hidden" }, `: ${TYPE_LABELS[item.type] || item.type}, ${STATE_TEXT[item.answer_state]}`),
          ),
        ),
      ),
    ),
  );
}

async function itemView(attempt, index, signal) {
  let item = attempt.items[index];
  const box = h("article", { "aria-labelledby": "item-heading" });
  const heading = h("h2", { id: "item-heading" }, `Item ${index + 1} of ${attempt.items.length}: ${TYPE_LABELS[item.type] || item.type}`);
  const state = h("p", { class: "answer-state", role: "status" }, STATE_TEXT[item.answer_state]);
  box.append(heading, h("p", { class: "instruction" }, INSTRUCTIONS[item.type] || ""), state);
  if (item.time_limit_seconds) box.append(h("p", {}, `You have ${item.time_limit_seconds} seconds for this item once it is open.`));
  const body = h("div", {});
  box.append(body, itemNavigation(attempt, index));
  const show = async () => {
    item = await get(`/attempts/${attempt.id}/items/${item.id}`); // serves it and starts its clock
    body.replaceChildren(answerArea(attempt, item, state, signal));
  };
  if (item.clocked && !item.opened_at) {
    body.append(h("button", { type: "button", onclick: () => show().catch((error) => body.append(message(describe(error), "error"))) }, "Open this item (its time starts now)"));
  } else if (item.clocked) {
    await show();
  } else {
    body.append(answerArea(attempt, item, state, signal));
  }
  return box;
}

function itemNavigation(attempt, index) {
  const to = (position) => `/attempts/${attempt.id}?item=${position + 1}`;
  return h(
    "div",
    { class: "actions" },
    index > 0 ? link(to(index - 1), "Previous item", { class: "button secondary" }) : null,
    index < attempt.items.length - 1 ? link(to(index + 1), "Next item", { class: "button" }) : null,
  );
}

function answerArea(attempt, item, state, signal) {
  const area = h("div", { class: "answer" });
  area.append(promptView(item, signal));
  if (SPOKEN.has(item.type)) area.append(spokenAnswer(attempt, item, state));
  else if (item.type === "mcq") area.append(choiceAnswer(attempt, item, state));
  else area.append(writtenAnswer(attempt, item, state));
  return area;
}

function promptView(item, signal) {
  const prompt = item.prompt || {};
  const parts = [];
  for (const name of ["text", "question", "sentence", "prompt"]) {
    if (prompt[name]) parts.push(h("p", { class: "prompt-text" }, prompt[name]));
  }
  if (prompt.passage) parts.push(passageView(item, prompt.passage, signal));
  if (item.content_hidden) parts.push(message("The passage is no longer shown. Write what you remember."));
  if (prompt.point_descriptions) parts.push(h("ul", {}, prompt.point_descriptions.map((point) => h("li", {}, point))));
  if (item.prompt_audio_url) parts.push(audioPlayer(item));
  return h("div", { class: "prompt" }, parts);
}

function passageView(item, passage, signal) {
  const box = h("blockquote", { class: "passage" }, passage);
  if (!item.shown_until) return box;
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const end = Date.parse(item.shown_until);
  const tick = () => {
    if (signal.aborted) return;
    const left = Math.round((end - Date.now()) / 1000);
    if (left <= 0) {
      box.replaceWith(message("The passage is no longer shown. Write what you remember."));
      note.remove();
      return;
    }
    note.textContent = `The passage is shown for ${left} more seconds.`;
    setTimeout(tick, 1000);
  };
  tick();
  return h("div", {}, note, box);
}

function audioPlayer(item) {
  const allowed = item.prompt_plays || 1;
  let plays = 0;
  const audio = h("audio", { src: item.prompt_audio_url, preload: "auto" });
  const status = h("span", { class: "hint", "aria-live": "polite" }, `You may play it ${allowed === 1 ? "once" : `${allowed} times`}.`);
  const button = h("button", { type: "button", class: "secondary" }, "Play the prompt");
  button.addEventListener("click", () => {
    if (plays >= allowed) return;
    plays += 1;
    audio.currentTime = 0;
    audio.play();
    status.textContent = plays >= allowed ? "No more plays." : `Played ${plays} of ${allowed} times.`;
    if (plays >= allowed) button.disabled = true;
  });
  return h("div", { class: "audio" }, audio, button, " ", status, h("p", { class: "hint" }, "This is a listening item: there is no written version of the prompt."));
}

// The answer is saved; its scoring job is followed with a progress bar until it ends.
async function sent(promise, state) {
  const job = await promise;
  state.textContent = STATE_TEXT.received;
  const bar = progressBar("Scoring");
  state.after(bar.element);
  followJob(job, (current) => bar.set(current.progress.done, current.progress.total, current.state === "queued" ? "Waiting…" : ""))
    .then((done) => {
      state.textContent = done.state === "succeeded" ? STATE_TEXT.scored : STATE_TEXT.failed;
      bar.element.remove();
    })
    .catch(() => bar.element.remove());
  return job;
}

function answerForm(label, controls, send, state, buttonText = "Save answer") {
  const error = h("p", { class: "form-error", role: "alert", tabindex: "-1" });
  const button = h("button", { type: "submit" }, buttonText);
  const element = h("form", { "aria-label": label }, error, ...controls, h("div", { class: "actions" }, button));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      await sent(send(), state);
    } catch (problem) {
      error.textContent = describeAnswerError(problem);
      error.focus();
    } finally {
      button.disabled = false;
    }
  });
  return element;
}

function describeAnswerError(problem) {
  const details = problem instanceof ApiError ? Object.values(problem.details || {}).flat().join(" ") : "";
  return [describe(problem), details].filter(Boolean).join(" ");
}

function writtenAnswer(attempt, item, state) {
  const id = `answer-${item.id}`;
  const count = h("p", { class: "hint", id: `${id}-count`, "aria-live": "polite" }, "0 words");
  const box = h("textarea", { id, name: "text", rows: "8", "aria-describedby": `${id}-count`, spellcheck: item.type === "typing" ? "false" : "true" });
  box.addEventListener("input", () => {
    const words = box.value.trim() ? box.value.trim().split(/\s+/).length : 0;
    count.textContent = `${words} word${words === 1 ? "" : "s"}`;
  });
  return answerForm(
    "Answer this item",
    [h("label", { for: id }, "Your answer"), box, count],
    () => call("PUT", `/attempts/${attempt.id}/answers/${item.id}`, { json: { text: box.value } }),
    state,
  );
}

function choiceAnswer(attempt, item, state) {
  const name = `choice-${item.id}`;
  const options = (item.options || []).map((text, position) => {
    const id = `${name}-${position}`;
    return h("div", { class: "choice" }, h("input", { type: "radio", id, name, value: String(position) }), h("label", { for: id }, text));
  });
  const group = h("fieldset", {}, h("legend", {}, "Choose one"), options);
  return answerForm(
    "Choose your answer",
    [group],
    () => {
      const picked = group.querySelector("input:checked");
      if (!picked) return Promise.reject(new Error("Choose one of the options first."));
      return call("PUT", `/attempts/${attempt.id}/answers/${item.id}`, { json: { choice: Number(picked.value) } });
    },
    state,
  );
}

function spokenAnswer(attempt, item, state) {
  let blob = null;
  let recorder = null;
  const meter = h("meter", { min: "0", max: "1", value: "0", "aria-label": "Microphone level" });
  const record = h("button", { type: "button" }, "Record");
  const stop = h("button", { type: "button", disabled: true }, "Stop");
  const send = h("button", { type: "button", disabled: true }, "Upload answer");
  const playback = h("audio", { controls: true, hidden: true, "aria-label": "Your recording" });
  const status = h("p", { class: "recorder-status", role: "status" }, "Press Record, speak, then Stop.");
  const progress = progressBar("Upload");
  progress.element.hidden = true;
  record.addEventListener("click", async () => {
    recorder = new Recorder((level) => (meter.value = level));
    try {
      await recorder.start();
    } catch (problem) {
      status.textContent = problem instanceof MicrophoneError ? problem.message : `The recording could not start: ${problem}`;
      status.setAttribute("role", "alert");
      return;
    }
    record.disabled = true;
    stop.disabled = false;
    send.disabled = true;
    status.textContent = "Recording… speak now. Press Stop when you have finished.";
  });
  stop.addEventListener("click", async () => {
    blob = await recorder.stop();
    stop.disabled = true;
    record.disabled = false;
    record.textContent = "Record again";
    send.disabled = !blob;
    if (blob) {
      playback.src = URL.createObjectURL(blob);
      playback.hidden = false;
      status.textContent = "Recorded. Listen to it if you like, then upload it (or record again).";
    }
  });
  send.addEventListener("click", async () => {
    if (!blob) return;
    const form = new FormData();
    form.append("audio", blob, extensionFor(blob));
    send.disabled = true;
    progress.element.hidden = false;
    progress.set(0, 0, "Uploading…");
    try {
      await sent(upload("PUT", `/attempts/${attempt.id}/answers/${item.id}`, form, (done, total) => progress.set(done, total)), state);
      progress.done("Uploaded.");
      status.textContent = "Your answer is uploaded. You can record again until the time is over.";
    } catch (problem) {
      status.textContent = `The upload failed: ${describe(problem)} Your recording is kept: press Upload answer to try again.`;
      status.setAttribute("role", "alert");
      send.disabled = false;
    }
  });
  return h(
    "div",
    { class: "recorder" },
    h("div", { class: "actions" }, record, stop, send),
    h("label", {}, "Microphone level ", meter),
    playback,
    progress.element,
    status,
  );
}

function finishBox(attempt) {
  const box = h("div", { class: "finish" });
  const ask = h("button", { type: "button", class: "secondary" }, "Finish the test");
  ask.addEventListener("click", () => {
    const open = attempt.items.filter((item) => item.answer_state === "unanswered").length;
    const confirm = h("button", { type: "button" }, "Yes, finish now");
    const cancel = h("button", { type: "button", class: "secondary" }, "Keep working");
    const question = h(
      "div",
      { role: "alertdialog", "aria-labelledby": "finish-question" },
      h("p", { id: "finish-question" }, open ? `Finish now? ${open} item(s) shown unanswered when this page opened.` : "Finish the test now?"),
      h("div", { class: "actions" }, confirm, cancel),
    );
    cancel.addEventListener("click", () => {
      question.remove();
      ask.hidden = false;
      ask.focus();
    });
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try {
        await post(`/attempts/${attempt.id}/finish`);
        go(`/attempts/${attempt.id}/result`);
      } catch (problem) {
        question.append(message(describe(problem), "error"));
        confirm.disabled = false;
      }
    });
    ask.hidden = true;
    box.append(question);
    confirm.focus();
  });
  box.append(ask);
  return box;
}

// --- the result ---------------------------------------------------------------------------------

const PENDING = {
  in_progress: "This attempt is still in progress.",
  scoring: "Your answers are being scored. This page updates by itself.",
  awaiting_release: "Your result is awaiting release: your college will release it. This page updates by itself.",
};

export async function resultView(attemptId, signal) {
  const section = h("section", {});
  const show = async () => {
    const answer = await call("GET", `/attempts/${attemptId}/result`, { withStatus: true });
    if (answer.status === 202) {
      section.replaceChildren(h("h1", {}, "Your result"), h("p", { class: "pending", role: "status" }, PENDING[answer.body.state] || "Not ready yet."));
      return false;
    }
    section.replaceChildren(...resultParts(answer.body));
    return true;
  };
  let pause = 3000;
  const poll = async () => {
    if (signal.aborted) return;
    try {
      if (await show()) return;
    } catch (problem) {
      section.append(message(describe(problem), "error"));
      return;
    }
    pause = Math.min(60000, Math.round(pause * 1.5));
    setTimeout(poll, pause);
  };
  if (!(await show())) setTimeout(poll, pause);
  return section;
}

function resultParts(result) {
  const subscores = Object.entries(result.subscores || {});
  return [
    h("h1", {}, "Your result"),
    h("p", { class: "overall" }, "Overall: ", h("strong", {}, String(result.overall ?? "—")), " on a scale of 20 to 80"),
    table("Subscores", [{ label: "Skill", cell: ([name]) => label(name) }, { label: "Score", cell: ([, score]) => String(score ?? "—") }], subscores),
    result.item_feedback_held
      ? message("Feedback on each item is shown once you have no attempts left or the test window has closed.")
      : table(
          "Feedback on each item",
          [
            { label: "Item", cell: (item) => TYPE_LABELS[item.type] || item.type },
            { label: "Score", cell: (item) => String(item.score ?? "—") },
            { label: "Feedback", cell: (item) => item.feedback || "" },
          ],
          result.items || [],
        ),
  ];
}

function label(name) {
  return name.replaceAll("_", " ").replace(/^./, (first) => first.toUpperCase());
}
