// The student page: upload with an idempotency key, then poll until graded.
const form = document.getElementById("upload");
const message = document.getElementById("message");
const tbody = document.querySelector("#submissions tbody");

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function row(s) {
  const tr = document.createElement("tr");
  tr.dataset.id = s.id;
  tr.append(cell(s.submitted_at.slice(0, 19).replace("T", " ")), cell(s.assignment),
            cell(s.filename));
  const status = cell(s.status);
  status.className = "status " + s.status;
  tr.append(status);
  const score = cell(s.score === null ? "" : `${s.score} / ${s.max_score}`);
  score.className = "score";
  tr.append(score);
  const link = document.createElement("td");
  if (s.status === "done" || s.status === "error") {
    const a = document.createElement("a");
    a.href = `/api/submissions/${s.id}/feedback`;
    a.textContent = "feedback";
    link.append(a);
  }
  tr.append(link);
  return tr;
}

function newKey() {  // randomUUID exists only on https and localhost pages
  return crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16)).join("");
}

async function refresh() {
  const response = await fetch("/api/submissions", {credentials: "same-origin"});
  if (!response.ok) return false;
  const submissions = await response.json();
  tbody.replaceChildren(...submissions.reverse().map(row));
  return submissions.some(s => s.status === "queued" || s.status === "running");
}

async function poll() {
  const pending = await refresh();
  setTimeout(poll, pending ? 1000 : 5000);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("submit");
  button.disabled = true;
  message.textContent = "Uploading…";
  try {
    const response = await fetch("/api/submissions", {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Idempotency-Key": newKey()},
    });
    const body = await response.json();
    message.textContent = response.ok
      ? "Uploaded; grading…"
      : `Not accepted: ${body.detail}`;
    message.className = response.ok ? "" : "error";
    await refresh();
  } finally {
    button.disabled = false;
  }
});

poll();
