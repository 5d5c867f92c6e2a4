/**
 * Reads the extension's sources for localization: the messages passed to `vscode.l10n.t`, the
 * strings the sampling panel's page looks up with `t(…)`, and — the check that keeps English from
 * slipping past l10n — string literals handed straight to what the writer sees (messages, quick
 * picks, input boxes, progress titles, the status bar, tree items, hovers, the panel's notices).
 * TypeScript's own parser reads the files (loaded at run time, so the test bundle stays small).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as TS from 'typescript';
import { repoRoot } from './paths';

const ts = createRequire(join(repoRoot, 'package.json'))('typescript') as typeof TS;

export interface Found {
  text: string;
  line: number;
}

function parse(fileName: string, source: string): TS.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
}

function walk(sf: TS.SourceFile, visit: (node: TS.Node) => void): void {
  const go = (node: TS.Node): void => {
    visit(node);
    ts.forEachChild(node, go);
  };
  go(sf);
}

const lineOf = (sf: TS.SourceFile, node: TS.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
const isPlainString = (n: TS.Node | undefined): n is TS.StringLiteral | TS.NoSubstitutionTemplateLiteral => !!n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n));

/** `vscode.l10n.t('…')` / `l10n.t('…')` messages; a message that is not a plain string is reported with text ''. */
export function l10nMessages(fileName: string, source: string): Found[] {
  const sf = parse(fileName, source);
  const out: Found[] = [];
  walk(sf, (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 't' && /(^|\.)l10n$/.test(n.expression.expression.getText(sf))) {
      const key = n.arguments[0];
      out.push({ text: isPlainString(key) ? key.text : '', line: lineOf(sf, n) });
    }
  });
  return out;
}

/** `t('…')` lookups in the panel's page script. */
export function pageMessages(fileName: string, source: string): Found[] {
  const sf = parse(fileName, source);
  const out: Found[] = [];
  walk(sf, (n) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 't') {
      const key = n.arguments[0];
      out.push({ text: isPlainString(key) ? key.text : '', line: lineOf(sf, n) });
    }
  });
  return out;
}

/** The entries of an object literal returned by `functionName`: property name → the message of its l10n.t call. */
export function tableEntries(fileName: string, source: string, functionName: string): { key: string; message: string | null }[] {
  const sf = parse(fileName, source);
  const out: { key: string; message: string | null }[] = [];
  walk(sf, (n) => {
    if (!ts.isFunctionDeclaration(n) || n.name?.text !== functionName) return;
    walk(n as unknown as TS.SourceFile, (m) => {
      if (!ts.isPropertyAssignment(m) || !ts.isObjectLiteralExpression(m.parent)) return;
      const key = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : '';
      const call = m.initializer;
      const message = ts.isCallExpression(call) && isPlainString(call.arguments[0]) ? call.arguments[0].text : null;
      out.push({ key, message });
    });
  });
  return out;
}

// Where a string reaches the writer. Calls: every argument. Properties and assignments: the value.
const SHOWN_BY_CALL = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'reportOnce', 'createWebviewPanel', 'appendMarkdown', 'appendText', 'setStatusBarMessage']);
const SHOWN_LAST_ARG = new Set(['refuse', 'tellOnce', 'notice']);
const SHOWN_BY_NEW = new Set(['TreeItem', 'MarkdownString']);
const SHOWN_PROPERTIES = new Set(['title', 'placeHolder', 'placeholder', 'prompt', 'label', 'description', 'detail', 'tooltip', 'openLabel', 'message', 'text']);

/**
 * Words in a literal: text that reads as language once codicons (`$(name)`), placeholders and
 * template substitutions are taken out. Paths, URLs, ids, file names and the product's name are not words.
 */
export function hasWords(text: string): boolean {
  const rest = text
    .replace(/\$\([\w~-]+\)/g, ' ') // codicons
    .replace(/\]\((?:command|https?):[^)]*\)/g, '] ') // Markdown link targets
    .replace(/\{\d+\}/g, ' ');
  // A word is letters only (with its punctuation); `top-k`, `model.onnx`, `http://…`, `.inkling/` are not.
  return rest.split(/[\s[\]()*]+/).some((token) => /^[A-Za-z]{2,}[,.:;!?…'’]*$/.test(token) && !/^(Inkling|VS|Code)$/.test(token));
}

function literalText(n: TS.Expression): string | null {
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  if (ts.isTemplateExpression(n)) return [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(' ');
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) return [literalText(n.left), literalText(n.right)].filter((s) => s !== null).join(' ') || null;
  return null;
}

/**
 * Literals with words that reach the writer without `l10n.t` (or, in the panel's page, without
 * `t`), with the line and what they were passed to.
 */
export function bypasses(fileName: string, source: string): (Found & { where: string })[] {
  const sf = parse(fileName, source);
  const page = fileName.endsWith('.js');
  const properties = page ? new Set([...SHOWN_PROPERTIES, 'aria-label', 'textContent']) : SHOWN_PROPERTIES;
  const out: (Found & { where: string })[] = [];
  const check = (value: TS.Expression | undefined, where: string): void => {
    if (!value) return;
    if (ts.isConditionalExpression(value)) return [value.whenTrue, value.whenFalse].forEach((v) => check(v, where));
    if (ts.isParenthesizedExpression(value)) return check(value.expression, where);
    const text = literalText(value);
    if (text !== null && hasWords(text)) out.push({ text, line: lineOf(sf, value), where });
  };
  walk(sf, (n) => {
    if (ts.isCallExpression(n)) {
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : '';
      if (SHOWN_BY_CALL.has(callee)) n.arguments.forEach((a) => check(a, callee));
      if (SHOWN_LAST_ARG.has(callee) || (page && callee === 'showNotice')) check(n.arguments[n.arguments.length - 1], callee);
      // The page's el(tag, props, ...children): a child string is text on the page.
      if (page && callee === 'el') n.arguments.slice(2).forEach((a) => check(a, 'el child'));
    } else if (ts.isNewExpression(n)) {
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : '';
      if (SHOWN_BY_NEW.has(callee)) check(n.arguments?.[0], `new ${callee}`);
    } else if (ts.isPropertyAssignment(n)) {
      const name = ts.isIdentifier(n.name) || ts.isStringLiteral(n.name) ? n.name.text : '';
      if (properties.has(name)) check(n.initializer, name);
      if (name === 'validateInput' && ts.isArrowFunction(n.initializer) && !ts.isBlock(n.initializer.body)) check(n.initializer.body, name);
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left)) {
      if (properties.has(n.left.name.text)) check(n.right, `.${n.left.name.text} =`);
    } else if (ts.isReturnStatement(n) && n.expression && isInsideValidateInput(n)) {
      check(n.expression, 'validateInput');
    }
  });
  return out;
}

function isInsideValidateInput(n: TS.Node): boolean {
  for (let p: TS.Node | undefined = n.parent; p; p = p.parent) if (ts.isPropertyAssignment(p) && p.name.getText() === 'validateInput') return true;
  return false;
}

/** `msg('…')` templates (src/common/message.ts); a template that is not a plain string is reported with text ''. */
export function msgTemplates(fileName: string, source: string): Found[] {
  const sf = parse(fileName, source);
  const out: Found[] = [];
  walk(sf, (n) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'msg') {
      const key = n.arguments[0];
      out.push({ text: isPlainString(key) ? key.text : '', line: lineOf(sf, n) });
    }
  });
  return out;
}

// Outside vscode/, a message reaches the writer as a problem, a refusal, an error or a choice's label
// (the panel's `explain` texts are translated by the host's settingTexts table instead).
const PURE_SHOWN_PROPERTIES = new Set(['message', 'label', 'detail']);

/**
 * Literals with words (a phrase: at least one space) that modules outside vscode/ hand to the writer
 * without `msg`: `problems.push('…')`, `{ message: '…' }` (refusals, checks), `new …Error(…, '…')`,
 * `label`/`detail` of a choice. A code such as 'server-failed' or 'cancelled' has no space.
 */
export function pureBypasses(fileName: string, source: string): (Found & { where: string })[] {
  const sf = parse(fileName, source);
  const out: (Found & { where: string })[] = [];
  const check = (value: TS.Expression | undefined, where: string): void => {
    if (!value) return;
    if (ts.isConditionalExpression(value)) return [value.whenTrue, value.whenFalse].forEach((v) => check(v, where));
    if (ts.isParenthesizedExpression(value)) return check(value.expression, where);
    if (ts.isArrayLiteralExpression(value)) return value.elements.forEach((v) => check(v as TS.Expression, where));
    const text = literalText(value);
    if (text !== null && /\S\s+\S/.test(text) && hasWords(text)) out.push({ text, line: lineOf(sf, value), where });
  };
  walk(sf, (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push' && /(^|\.)problems$/.test(n.expression.expression.getText(sf))) {
      n.arguments.forEach((a) => check(a, 'problems.push'));
    } else if (ts.isNewExpression(n)) {
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : '';
      if (/Error$/.test(callee)) n.arguments?.forEach((a) => check(a, `new ${callee}`));
    } else if (ts.isPropertyAssignment(n)) {
      const name = ts.isIdentifier(n.name) || ts.isStringLiteral(n.name) ? n.name.text : '';
      if (PURE_SHOWN_PROPERTIES.has(name) || name === 'problems') check(n.initializer, name);
    }
  });
  return out;
}
