/**
 * The HTML posture report in real headless Chromium (Debian's chromium, driven by playwright-core): opened
 * from a file:// URL it renders without console messages or page errors, fetches nothing, shows its main
 * sections, and a screenshot of it is a real picture (a PNG of the right size that is not one colour).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatComplianceHtml } from '../../src/report/compliance-html.js';
import type { ComplianceReport } from '../../src/report/compliance-report.js';
import { postureFixture, HOSTILE } from './posture-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const DIR = tempDir('kubecomply-html-');

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) into its pixel rows. */
function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]] ?? 0;
      assert.ok(channels > 0, `colour type ${data[9]} (expected RGB or RGBA)`);
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = 0;
      if (f === 1) v = a;
      else if (f === 2) v = b;
      else if (f === 3) v = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + v) & 0xff;
    }
    rows.push(line);
    prev = line;
  }
  return { width, height, pixel: (x, y) => [...rows[y].subarray(x * channels, x * channels + 3)] };
}

describe('the HTML posture report in headless Chromium', () => {
  let browser: Browser;
  let report: ComplianceReport;
  let file: string;
  let page: Page;
  const consoleMessages: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    const fx = await postureFixture(DIR);
    report = await fx.report('pci-dss');
    file = path.join(fx.dir, 'pci-dss.html');
    writeFileSync(file, formatComplianceHtml(report));
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });
  after(async () => {
    await browser?.close();
  });

  test('renders without console messages or page errors, and requests nothing but the file itself', () => {
    assert.deepEqual(pageErrors, [], 'page errors');
    assert.deepEqual(consoleMessages, [], 'console messages (an unescaped <script> or a blocked fetch would log)');
    assert.deepEqual(requests, [pathToFileURL(file).href], 'network requests');
  });

  test('the main sections are visible, with the model\'s score, trend and statuses', async () => {
    for (const sel of ['#score', '#trend svg.trend', '#requirements table.requirements', '#exceptions table.exceptions', '#checklist ul.checklist', '#evidence']) {
      const loc = page.locator(sel).first();
      assert.ok(await loc.isVisible(), `${sel} must be visible`);
      const box = await loc.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 20, `${sel} must have a real size, got ${JSON.stringify(box)}`);
    }
    assert.equal((await page.locator('#score .big').textContent())?.trim(), `${report.score}%`);
    const points = await page.locator('#trend svg.trend circle').count();
    assert.equal(points, report.trend.filter((t) => t.score !== null).length, 'one dot per scored scan');
    assert.equal(await page.locator('#trend svg.trend polyline').count(), 1, 'the two scans are joined by a line');
    const rows = await page.locator('#requirements tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-requirement'), tr.getAttribute('data-status')]));
    assert.deepEqual(rows, report.requirements.map((q) => [q.id, q.status]));
    assert.equal(await page.locator('#checklist input[type=checkbox]').count(), report.checklist.length);
    assert.ok(report.checklist.length > 0 && report.exceptionsInForce.length === 1);
    // Every failing requirement links to its findings, which name the evidence record behind them.
    const failing = report.requirements.filter((q) => q.status === 'fail');
    assert.ok(failing.length > 0);
    const href = await page.locator(`#requirements tr[data-requirement="${failing[0].id}"] a`).getAttribute('href');
    const detail = page.locator(href!);
    assert.ok(await detail.isVisible(), `${href} must be visible`);
    assert.ok((await detail.textContent())!.includes(`${report.evidence.scanRecord!.seq}:${report.evidence.scanRecord!.hash}`), 'the evidence record hash is shown with the findings');
  });

  test('markup in the data is shown as text, not interpreted', async () => {
    const text = await page.locator('#exceptions table.exceptions').textContent();
    assert.ok(text!.includes(HOSTILE), 'the justification is shown verbatim');
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
  });

  test('a full-page screenshot is a real picture of the report', async () => {
    const png = await page.screenshot({ fullPage: true });
    assert.ok(png.length > 20_000, `screenshot is only ${png.length} bytes`);
    const img = decodePng(png);
    assert.equal(img.width, 1280);
    assert.ok(img.height > 900, `full page height ${img.height}`);
    // Not one colour: the page background differs from the score bar's "fail" segment and from text.
    const colours = new Set<string>();
    for (let y = 0; y < img.height; y += 7) for (let x = 0; x < img.width; x += 7) colours.add(img.pixel(x, y).join(','));
    assert.ok(colours.size > 20, `only ${colours.size} distinct colours sampled`);
    const bar = await page.locator('#score svg.counts rect').first().boundingBox();
    const inBar = img.pixel(Math.round(bar!.x + 3), Math.round(bar!.y + bar!.height / 2));
    assert.notDeepEqual(inBar, img.pixel(2, 2), 'the score bar is drawn in a colour other than the background');
  });
});
