// The sampling panel's page. Plain DOM, no framework or web-component library: native inputs are
// keyboard-accessible as they are, take VS Code's theme through --vscode-* variables, need no
// bundling and nothing for the CSP to allow beyond this one script. The extension sends the whole state
// (settings, limits, explanations, presets, models) and the page renders it; every change the
// writer makes is posted as one typed message (src/writing/settings/panelProtocol.ts) and comes back as a
// new state once VS Code's settings have changed, so settings.json stays the source of truth.
// Text from the extension is only ever set as textContent, never as HTML. The page's own words
// come from the extension too, in the writer's display language (data-strings on <main>: see
// src/vscode/panel/panelText.ts); t('English', ...args) looks them up and fills in {0}, {1}.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const CURRENT = '(current)';
  const SAMPLING_ONLY = ['sampling.temperature', 'sampling.topK', 'sampling.topP', 'sampling.minP', 'sampling.typicalP'];
  const saved = vscode.getState() || {};
  const ui = { scope: saved.scope === 'workspace' ? 'workspace' : 'user', compare: Array.isArray(saved.compare) ? saved.compare : ['Faithful', 'Wild'] };
  let state = null;
  let run = null;
  const commitTimers = new Map();

  const root = document.getElementById('inkling-sampling-panel');
  const STRINGS = (() => {
    try {
      return JSON.parse(root.dataset.strings || '{}');
    } catch {
      return {};
    }
  })();
  function t(message, ...args) {
    const s = typeof STRINGS[message] === 'string' ? STRINGS[message] : message;
    return s.replace(/\{(\d+)\}/g, (m, i) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
  }
  // Where a setting's value comes from, as the badge says it.
  const SOURCE = { default: t('default'), user: t('user'), workspace: t('workspace') };

  // ---------------------------------------------------------------------------------------------
  // Small DOM helpers
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }
  const icon = (name) => el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
  const idFor = (key) => `s-${key.replace(/\W/g, '-')}`;
  // Element ids from preset names (which may hold spaces): readable, and unique enough for focus.
  const presetId = (prefix, name) => `${prefix}-${name.replace(/\W/g, '_')}`;
  function send(message) {
    vscode.postMessage(message);
  }
  function remember() {
    vscode.setState({ scope: ui.scope, compare: ui.compare });
  }
  function fmt(v) {
    return typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  }

  // ---------------------------------------------------------------------------------------------
  // Static parts: header, notices, the settings area (re-rendered) and "Try it" (kept)
  const notice = el('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
  const problems = el('ul', { id: 'problems', class: 'problems', hidden: true });
  const settingsArea = el('div', { id: 'settings-area' });
  const tryArea = buildTryIt();
  root.replaceChildren(
    el('header', { class: 'top' },
      el('h1', {}, icon('settings'), ' ' + t('Sampling settings')),
      el('div', { class: 'scope', role: 'radiogroup', 'aria-label': t('Save changes to') },
        el('span', { class: 'scope-label', text: t('Save to') }),
        scopeButton('user', t('User')),
        scopeButton('workspace', t('Workspace'))),
      el('button', { id: 'open-json', class: 'secondary', type: 'button', title: t('Open the settings.json these settings are written to'), onclick: () => send({ type: 'openSettingsJson', scope: ui.scope }) }, icon('json'), ' settings.json')),
    notice,
    problems,
    settingsArea,
    tryArea.section,
  );
  root.removeAttribute('aria-busy');

  function scopeButton(scope, label) {
    return el('button', {
      type: 'button', role: 'radio', class: 'scope-option', id: `scope-${scope}`, text: label,
      onclick: () => {
        ui.scope = scope;
        remember();
        render();
      },
      onkeydown: (e) => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          ui.scope = ui.scope === 'user' ? 'workspace' : 'user';
          remember();
          render();
          document.getElementById(`scope-${ui.scope}`).focus();
          e.preventDefault();
        }
      },
    });
  }

  function showNotice(level, message) {
    notice.replaceChildren(icon(level === 'error' ? 'error' : 'info'), el('span', { text: ' ' + message }));
    notice.className = `notice ${level}`;
    notice.hidden = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Settings: rebuilt from each state; focus and half-typed names survive the rebuild.
  function render() {
    if (!state) return;
    for (const scope of ['user', 'workspace']) {
      const b = document.getElementById(`scope-${scope}`);
      b.setAttribute('aria-checked', String(ui.scope === scope));
      b.tabIndex = ui.scope === scope ? 0 : -1;
      b.disabled = scope === 'workspace' && !state.workspaceAvailable;
    }
    if (ui.scope === 'workspace' && !state.workspaceAvailable) ui.scope = 'user';
    problems.replaceChildren(...state.problems.map((p) => el('li', {}, icon('warning'), ' ', el('span', { text: p }))));
    problems.hidden = state.problems.length === 0;

    const focused = document.activeElement && document.activeElement.id;
    const kept = {};
    for (const input of settingsArea.querySelectorAll('input[data-keep]')) kept[input.id] = input.value;
    // What the writer is typing in the focused box, not yet committed, stays too...
    const active = document.activeElement;
    const typing = active && active.tagName === 'INPUT' && active.dataset.rendered !== undefined && active.value !== active.dataset.rendered ? { id: active.id, value: active.value, rendered: active.dataset.rendered } : null;
    // A value the writer typed and the page refused stays in its box with its message: a
    // re-render (any settings change, from anywhere) must not silently replace it.
    const refused = [];
    for (const error of settingsArea.querySelectorAll('p.error[id$="-error"]:not([hidden])')) {
      const input = document.getElementById(error.id.slice(0, -'-error'.length));
      if (input) refused.push({ id: input.id, value: input.value, rendered: input.dataset.rendered, message: error.textContent });
    }

    const strategy = state.settings['sampling.strategy'].value;
    const sections = [presetSection(), modelSection()];
    for (const group of state.groups) {
      if (group.id === 'model') continue;
      const rows = group.keys.map((key) => settingRow(key, strategy)).filter(Boolean);
      sections.push(el('section', { class: 'group', 'aria-labelledby': `h-${group.id}` }, el('h2', { id: `h-${group.id}`, text: group.title }), ...rows));
    }
    settingsArea.replaceChildren(...sections);

    for (const [id, value] of Object.entries(kept)) {
      const input = document.getElementById(id);
      if (input) input.value = value;
    }
    // ...unless the setting itself changed meanwhile (reset, or set elsewhere): then it shows that.
    const unchanged = (r) => {
      const input = document.getElementById(r.id);
      return input && input.dataset.rendered === r.rendered ? input : null;
    };
    if (typing && unchanged(typing)) unchanged(typing).value = typing.value;
    for (const r of refused) {
      const input = unchanged(r);
      const error = document.getElementById(`${r.id}-error`);
      if (!input || !error) continue;
      input.value = r.value;
      input.setAttribute('aria-invalid', 'true');
      error.textContent = r.message;
      error.hidden = false;
    }
    if (focused) {
      const again = document.getElementById(focused);
      if (again && again !== document.activeElement) again.focus();
    }
    focusPending();
    tryArea.refresh();
  }

  function presetSection() {
    const builtIn = state.presets.filter((p) => p.builtIn);
    const own = state.presets.filter((p) => !p.builtIn);
    const active = state.activePreset;
    const presetButton = (p) =>
      el('button', {
        type: 'button', class: 'preset', id: presetId('preset', p.name), 'data-preset': p.name, 'aria-pressed': String(active === p.name), 'aria-describedby': presetId('explain', p.name),
        onclick: () => send({ type: 'applyPreset', name: p.name, scope: ui.scope }),
      }, active === p.name ? icon('check') : null, el('span', { text: p.name }));
    const explained = (p, extra) =>
      el('li', { class: 'preset-item' }, presetButton(p), ...(extra || []), el('span', { class: 'explain', id: presetId('explain', p.name), text: p.explain }));

    const ownItems = own.map((p) => {
      if (ui.renaming === p.name) {
        const input = el('input', { type: 'text', id: 'rename-input', 'data-keep': true, value: p.name, maxlength: '40', 'aria-label': t('New name for {0}', p.name) });
        input.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') {
            ui.renaming = null;
            send({ type: 'renamePreset', from: p.name, to: input.value.trim() });
            render();
            focusLater(presetId('preset', input.value.trim()));
          } else if (e.key === 'Escape') {
            ui.renaming = null;
            render();
            focusLater(presetId('rename', p.name));
          }
        });
        setTimeout(() => input.isConnected && document.activeElement !== input && (input.focus(), input.select()), 0);
        return el('li', { class: 'preset-item' }, input, el('span', { class: 'explain', text: t('Enter renames, Escape cancels.') }));
      }
      if (ui.deleting === p.name) {
        return el('li', { class: 'preset-item confirm' },
          el('span', { text: t('Delete “{0}”?', p.name) }),
          el('button', { type: 'button', id: 'confirm-delete', class: 'danger', onclick: () => { ui.deleting = null; send({ type: 'deletePreset', name: p.name }); render(); focusLater('preset-name'); } }, icon('trash'), ' ' + t('Delete')),
          el('button', { type: 'button', id: 'cancel-delete', class: 'secondary', onclick: () => { ui.deleting = null; render(); focusLater(presetId('delete', p.name)); } }, t('Keep')));
      }
      return explained(p, [
        el('button', { type: 'button', class: 'icon', id: presetId('rename', p.name), 'data-rename': p.name, title: t('Rename {0}', p.name), 'aria-label': t('Rename {0}', p.name), onclick: () => { ui.renaming = p.name; render(); } }, icon('edit')),
        el('button', { type: 'button', class: 'icon', id: presetId('delete', p.name), 'data-delete': p.name, title: t('Delete {0}', p.name), 'aria-label': t('Delete {0}', p.name), onclick: () => { ui.deleting = p.name; render(); focusLater('cancel-delete'); } }, icon('trash')),
      ]);
    });

    const nameInput = el('input', { type: 'text', id: 'preset-name', 'data-keep': true, placeholder: t('Name for the current settings'), maxlength: '40', 'aria-label': t('Name for a new preset') });
    const save = () => {
      const name = nameInput.value.trim();
      if (!name) return showNotice('error', t('Give the preset a name first.'));
      send({ type: 'savePreset', name, scope: ui.scope });
      nameInput.value = '';
    };
    nameInput.addEventListener('keydown', (e) => e.key === 'Enter' && save());
    return el('section', { class: 'group presets', 'aria-labelledby': 'h-presets' },
      el('h2', { id: 'h-presets', text: t('Presets') }),
      el('p', { class: 'explain', text: t('A preset sets the decoding and sampling settings at once; length and seed stay as they are.') }),
      el('ul', { class: 'preset-list', 'aria-label': t('Built-in presets') }, builtIn.map((p) => explained(p))),
      el('h3', { text: t('Your presets') }),
      own.length ? el('ul', { class: 'preset-list', 'aria-label': t('Your presets') }, ownItems) : el('p', { class: 'explain', text: t('None yet: save the current settings under a name.') }),
      el('div', { class: 'save-preset' }, nameInput, el('button', { type: 'button', id: 'save-preset', onclick: save }, icon('save'), ' ' + t('Save current as preset'))));
  }

  function modelSection() {
    const select = el('select', { id: 'model-select', 'aria-describedby': 'model-explain', onchange: () => send({ type: 'setModel', path: select.value }) },
      state.models.map((m) => el('option', { value: m.path, selected: m.path === state.modelPath, text: m.detail ? `${m.label} — ${m.detail}` : m.label })));
    const rows = (state.groups.find((g) => g.id === 'model') || { keys: [] }).keys.map((k) => settingRow(k));
    return el('section', { class: 'group', 'aria-labelledby': 'h-model' },
      el('h2', { id: 'h-model', text: t('Model') }),
      el('div', { class: 'row' },
        el('div', { class: 'row-head' }, el('label', { for: 'model-select', text: t('Model') }), el('span', { class: 'badge', text: SOURCE.user })),
        el('div', { class: 'control' }, select,
          el('button', { type: 'button', id: 'choose-folder', class: 'secondary', onclick: () => send({ type: 'chooseModelFolder' }) }, icon('folder-opened'), ' ' + t('Choose folder…'))),
        el('p', { class: 'explain', id: 'model-explain', text: state.onServer ? t('A server writes now (inkling.engine): the model folder is used again with "Inkling: Use Inkling\'s Own Model".') : t('A folder in the Hugging Face layout (config.json, tokenizer.json, onnx/). Always saved to your user settings.') })),
      el('p', { class: 'engine-line', id: 'engine-line', role: 'status' }, el('strong', { text: t('Writing with:') + ' ' }), state.engine || ''),
      state.unsupported && state.unsupported.length
        ? el('p', { class: 'explain', id: 'engine-unsupported', text: state.unsupported.length === 1 ? t('This server has no {0}: that setting is ignored there.', state.unsupported.join(', ')) : t('This server has no {0}: those settings are ignored there.', state.unsupported.join(', ')) })
        : null,
      state.notesUsed
        ? el('p', { class: 'explain', id: 'notes-used', role: 'status' }, el('strong', { text: t('Story notes in the last suggestion:') + ' ' }), state.notesUsed.used.length ? state.notesUsed.used.join(', ') : t('none'), state.notesUsed.left.length ? ' ' + t('(over the budget: {0})', state.notesUsed.left.join(', ')) : '')
        : null,
      ...rows);
  }

  function settingRow(key, strategy) {
    const view = state.settings[key];
    if (!view) return null;
    const spec = view.spec;
    if (key === 'sampling.numBeams' && strategy !== 'beam') return null;
    const id = idFor(key);
    const inactive = SAMPLING_ONLY.includes(key) && strategy !== 'sample';
    const isDefault = view.value === spec.defaultValue;
    const reset = el('button', {
      type: 'button', class: 'icon reset', id: `${id}-reset`, disabled: view.source === 'default' && isDefault,
      title: t('Reset to default ({0})', spec.defaultValue === null ? t('random') : fmt(spec.defaultValue)), 'aria-label': t('Reset {0} to default', spec.label),
      onclick: () => send({ type: 'resetSetting', key, scope: ui.scope }),
    }, icon('discard'));
    const badge = el('span', { class: `badge ${view.source}`, title: view.source === 'default' ? t('Not set: the default') : view.source === 'user' ? t('Set in user settings') : t('Set in workspace settings'), text: SOURCE[view.source] || view.source });
    const error = el('p', { class: 'error', id: `${id}-error`, role: 'alert', hidden: true });
    const explainText = inactive ? `${spec.explain} ${t('(Used only with Sampling.)')}` : spec.explain;
    const head = el('div', { class: 'row-head' }, el('label', { for: id, text: spec.label }), badge, reset);
    let control;
    if (spec.kind === 'choice') control = choiceControl(key, spec, view, id);
    else if (spec.kind === 'seed') control = seedControl(key, spec, view, id, error);
    else control = numberControl(key, spec, view, id, error);
    const warn = view.workspaceOverrides && ui.scope === 'user' ? el('p', { class: 'warn' }, icon('warning'), el('span', { text: ' ' + t('The workspace sets this; a change saved to User settings will not show here. Choose Workspace above.') })) : null;
    return el('div', { class: `row${inactive ? ' inactive' : ''}`, 'data-key': key }, head, control, el('p', { class: 'explain', id: `${id}-explain`, text: explainText }), warn, error);
  }

  function choiceControl(key, spec, view, id) {
    return el('div', { class: 'control choices', role: 'radiogroup', id, 'aria-label': spec.label, 'aria-describedby': `${id}-explain` },
      spec.options.map((o, i) => {
        const input = el('input', { type: 'radio', name: id, id: `${id}-${i}`, value: o.value, checked: view.value === o.value, onchange: () => send({ type: 'setSetting', key, value: o.value, scope: ui.scope }) });
        return el('label', { class: 'choice', for: `${id}-${i}`, title: o.explain }, input, el('span', { text: o.label }));
      }));
  }

  function numberControl(key, spec, view, id, error) {
    const range = el('input', { type: 'range', id: `${id}-range`, min: String(spec.min), max: String(spec.max), step: String(spec.step), value: String(view.value), 'aria-label': t('{0} slider', spec.label), 'aria-describedby': `${id}-explain`, tabindex: '-1' });
    const box = el('input', { type: 'number', id, min: String(spec.min), max: String(spec.max), step: String(spec.step), value: String(view.value), 'data-rendered': String(view.value), 'aria-describedby': `${id}-explain`, required: true });
    const check = (raw) => {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v)) return [null, t('Enter a number from {0} to {1}.', fmt(spec.min), fmt(spec.max))];
      if (spec.integer && !Number.isInteger(v)) return [null, t('Enter a whole number from {0} to {1}.', spec.min, spec.max)];
      if (v < spec.min || v > spec.max) return [null, t('{0} goes from {1} to {2}.', spec.label, fmt(spec.min), fmt(spec.max))];
      return [v, null];
    };
    const commit = (raw, delayMs) => {
      const [v, problem] = check(raw);
      error.hidden = !problem;
      error.textContent = problem || '';
      box.setAttribute('aria-invalid', String(!!problem));
      if (problem || v === view.value) return;
      clearTimeout(commitTimers.get(key));
      commitTimers.set(key, setTimeout(() => send({ type: 'setSetting', key, value: v, scope: ui.scope }), delayMs));
    };
    range.addEventListener('input', () => (box.value = range.value));
    range.addEventListener('change', () => commit(range.value, 150));
    box.addEventListener('change', () => {
      range.value = box.value;
      commit(box.value, 0);
    });
    box.addEventListener('keydown', (e) => e.key === 'Enter' && commit(box.value, 0));
    return el('div', { class: 'control number' }, range, box);
  }

  function seedControl(key, spec, view, id, error) {
    const random = view.value === null;
    const box = el('input', { type: 'number', id, min: '0', max: String(spec.max), step: '1', value: random ? '' : String(view.value), 'data-rendered': random ? '' : String(view.value), placeholder: t('random'), disabled: random, 'aria-describedby': `${id}-explain` });
    const toggle = el('input', { type: 'checkbox', id: `${id}-random`, checked: random });
    toggle.addEventListener('change', () => {
      if (toggle.checked) send({ type: 'setSetting', key, value: null, scope: ui.scope });
      else send({ type: 'setSetting', key, value: Number.isInteger(Number(box.value)) && box.value !== '' ? Number(box.value) : 42, scope: ui.scope });
    });
    const commit = () => {
      const v = Number(box.value);
      const bad = box.value === '' || !Number.isInteger(v) || v < 0 || v > spec.max;
      error.hidden = !bad;
      error.textContent = bad ? t('A seed is a whole number from 0 to {0}; or tick Random.', spec.max) : '';
      if (!bad && v !== view.value) send({ type: 'setSetting', key, value: v, scope: ui.scope });
    };
    box.addEventListener('change', commit);
    return el('div', { class: 'control seed' }, box, el('label', { class: 'choice', for: `${id}-random` }, toggle, el('span', { text: t('Random') })));
  }

  // Focus an element that may only exist after the next state arrives (a renamed preset).
  function focusLater(id) {
    ui.pendingFocus = id;
    setTimeout(focusPending, 0);
  }
  function focusPending() {
    const e = ui.pendingFocus && document.getElementById(ui.pendingFocus);
    if (e) {
      e.focus();
      ui.pendingFocus = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Try it: continue the writer's text (or a sample line) with these settings, or compare two presets.
  function buildTryIt() {
    const source = el('p', { class: 'explain', id: 'try-source' });
    const a = el('select', { id: 'compare-a', 'aria-label': t('First preset to compare') });
    const b = el('select', { id: 'compare-b', 'aria-label': t('Second preset to compare') });
    const stop = el('button', { type: 'button', id: 'try-stop', class: 'secondary', disabled: true, onclick: () => send({ type: 'stopTry' }) }, icon('debug-stop'), ' ' + t('Stop'));
    const prompt = el('pre', { class: 'prompt', id: 'try-prompt', hidden: true });
    const outputs = el('div', { class: 'outputs', id: 'try-outputs', 'aria-live': 'polite' });
    const sampling = () => {
      const s = {};
      for (const [key, view] of Object.entries(state.settings)) if (key.startsWith('sampling.')) s[key.slice('sampling.'.length)] = view.value;
      return s;
    };
    const go = (compare) => {
      if (!state) return;
      outputs.replaceChildren(el('p', { class: 'explain' }, icon('loading'), ' ' + t('Starting the model…')));
      send({ type: 'tryIt', sampling: sampling(), compare });
    };
    for (const select of [a, b]) {
      select.addEventListener('change', () => {
        ui.compare = [a.value, b.value];
        remember();
      });
    }
    const section = el('section', { class: 'group try', 'aria-labelledby': 'h-try' },
      el('h2', { id: 'h-try', text: t('Try it') }),
      source,
      el('div', { class: 'try-actions' },
        el('button', { type: 'button', id: 'try-run', onclick: () => go(null) }, icon('play'), ' ' + t('Continue with these settings')),
        el('span', { class: 'compare' },
          el('label', { for: 'compare-a', text: t('Compare') }), a, el('span', { text: t('with') }), b,
          el('button', { type: 'button', id: 'try-compare', class: 'secondary', onclick: () => go([a.value, b.value]) }, icon('split-horizontal'), ' ' + t('Compare'))),
        stop),
      prompt,
      outputs);
    return {
      section,
      refresh() {
        source.textContent = t('Continues {0}, with the same seed for both sides of a comparison.', state.promptSource);
        const names = [CURRENT].concat(state.presets.map((p) => p.name));
        [a, b].forEach((select, i) => {
          const want = names.includes(ui.compare[i]) ? ui.compare[i] : names[i === 0 ? 1 : names.length - 1];
          select.replaceChildren(...names.map((n) => el('option', { value: n, selected: n === want, text: n === CURRENT ? t('Current settings') : n })));
        });
      },
      started(m) {
        run = { id: m.runId, boxes: [] };
        stop.disabled = false;
        prompt.hidden = false;
        prompt.replaceChildren(el('span', { class: 'source', text: t('From {0}:', m.promptSource) + '\n' }), el('span', { text: (m.prompt.length >= 400 ? '…' : '') + m.prompt }));
        // The end of the prompt is what the continuation follows: show it.
        prompt.scrollTop = prompt.scrollHeight;
        outputs.classList.toggle('two', m.sides.length === 2);
        outputs.replaceChildren(...m.sides.map((s, i) => {
          const text = el('span', { class: 'generated', id: `try-text-${i}` });
          const stats = el('p', { class: 'stats', id: `try-stats-${i}`, text: i === 0 ? t('writing…') : t('waiting…') });
          run.boxes.push({ text, stats, streamed: false });
          return el('article', { class: 'side', 'aria-label': s.label },
            el('h3', {}, el('span', { text: s.label }), el('span', { class: 'seed', text: t('seed {0}', s.seed) })),
            el('pre', { class: 'output' }, text), stats);
        }));
      },
      token(m) {
        if (!run || m.runId !== run.id) return;
        const box = run.boxes[m.side];
        box.streamed = true;
        box.stats.textContent = t('writing…');
        box.text.append(document.createTextNode(m.text));
      },
      done(m) {
        if (!run || m.runId !== run.id) return;
        const box = run.boxes[m.side];
        // Beam search does not stream; and the final text is the authority either way.
        box.text.textContent = m.text;
        const ending = { length: t('reached max new tokens'), eos: t('the model ended it'), stop: t('a stop string ended it'), form: t('the form ended it') }[m.stopReason] || m.stopReason;
        box.stats.textContent = m.stopReason === 'cancelled' ? t('stopped') : t('{0} tokens · {1} tokens/s · {2}', m.newTokens, Math.round(m.tokensPerSecond), ending);
        if (m.side === run.boxes.length - 1 || m.stopReason === 'cancelled') stop.disabled = true;
        if (run.boxes[m.side + 1]) run.boxes[m.side + 1].stats.textContent = t('writing…');
      },
      failed(m) {
        if (run && m.runId !== run.id) return;
        stop.disabled = true;
        outputs.replaceChildren(el('p', { class: 'error' }, icon('error'), el('span', { text: ' ' + m.message })));
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'state':
        state = m.state;
        render();
        break;
      case 'notice':
        showNotice(m.level, m.message);
        break;
      case 'tryStarted':
        tryArea.started(m);
        break;
      case 'tryToken':
        tryArea.token(m);
        break;
      case 'tryDone':
        tryArea.done(m);
        break;
      case 'tryFailed':
        tryArea.failed(m);
        break;
    }
  });
  notice.hidden = true;
  send({ type: 'ready' });
})();
