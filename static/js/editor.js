/* The prompt editor's live counts (characters, words, estimated tokens) and small helpers.
   Progressive enhancement: without this file the editor, the draft button and every form work.
   Loaded on every page (defer); it sets up whatever editor is on the page, also after htmx swaps. */
(function () {
  "use strict";

  var WORD = /[\p{L}\p{N}]+/gu;
  var PIECE = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

  /* An estimate, not a tokenizer: a short word or a punctuation mark is about one token,
     a long word one token per six characters. */
  function estimateTokens(text) {
    var pieces = text.match(PIECE) || [];
    var n = 0;
    for (var i = 0; i < pieces.length; i++) {
      n += /[\p{L}\p{N}]/u.test(pieces[i]) ? Math.max(1, Math.ceil(pieces[i].length / 6)) : 1;
    }
    return n;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) {
      return key in values ? String(values[key]) : m;
    });
  }

  function setUpCounter(textarea) {
    var counter = document.getElementById("prompt-count");
    var live = document.getElementById("prompt-count-live");
    if (!counter || textarea.dataset.counter === "on") return;
    textarea.dataset.counter = "on";
    var max = parseInt(textarea.dataset.maxChars || "0", 10);
    var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined);
    var state = "";  // "", "near" or "over": only a change of state is announced

    function update() {
      var text = textarea.value.replace(/\r\n/g, "\n");
      var chars = text.length;
      var words = (text.match(WORD) || []).length;
      counter.textContent = fill(counter.dataset.template, {
        chars: fmt.format(chars), max: fmt.format(max), words: fmt.format(words), tokens: fmt.format(estimateTokens(text))
      });
      var unit = counter.dataset.limitUnit;
      var size = unit === "words" ? words : chars;
      var lo = parseInt(counter.dataset.limitMin || "", 10), hi = parseInt(counter.dataset.limitMax || "", 10);
      counter.classList.toggle("outside", !!unit && size > 0 && ((!isNaN(lo) && size < lo) || (!isNaN(hi) && size > hi)));
      var next = max && chars > max ? "over" : (max && chars > max * 0.9 ? "near" : "");
      counter.classList.toggle("over", next === "over");
      if (next !== state && live) {
        var message = next === "over" ? counter.dataset.over : next === "near" ? counter.dataset.near
          : (state === "over" ? counter.dataset.back : "");
        live.textContent = fill(message || "", {max: fmt.format(max), over: fmt.format(chars - max)});
      }
      state = next;
    }

    textarea.addEventListener("input", update);
    counter.hidden = false;
    update();
  }

  function setUp(root) {
    var scope = root && root.querySelector ? root : document;
    var textarea = scope.querySelector ? (scope.id === "prompt" ? scope : scope.querySelector("textarea#prompt")) : null;
    if (textarea) setUpCounter(textarea);
    // On a phone the previous attempt starts folded, so that the editor is in view.
    var previous = scope.querySelector && scope.querySelector("details.previous-attempt");
    if (previous && window.matchMedia && window.matchMedia("(max-width: 60rem)").matches) previous.open = false;
  }

  // The autosave line is a polite status: it is replaced only when its text changes, so that a
  // screen reader does not repeat "Draft saved at 14:32" after every pause in the typing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "draft-status" && event.detail.xhr &&
        event.detail.xhr.status < 300 && target.textContent.trim() === event.detail.serverResponse.trim()) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
}());
