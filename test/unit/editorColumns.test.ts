// Where the attention panel and the analysed document go: running Show Attention or Explain
// Completion again, from whichever group, never adds editor groups; an open panel stays put unless
// the analysed editor took its group; a new one goes right of the editor, reusing that group.
import * as assert from 'node:assert/strict';
import { documentColumn, panelColumn, type PanelLayout } from '../../src/host/editorColumns';

describe('panelColumn: where Show Attention shows the panel', () => {
  const cases: { name: string; layout: PanelLayout; want: number | 'beside' }[] = [
    { name: 'a new panel beside the only group: a second group', layout: { editor: 1, panel: undefined, groups: 1 }, want: 2 },
    { name: 'a new panel reuses the group right of the editor', layout: { editor: 1, panel: undefined, groups: 3 }, want: 2 },
    { name: 'a new panel from the middle group reuses the one on its right', layout: { editor: 2, panel: undefined, groups: 3 }, want: 3 },
    { name: 'a new panel from the last group: a new group after it', layout: { editor: 2, panel: undefined, groups: 2 }, want: 3 },
    { name: 'an open panel stays in its group', layout: { editor: 1, panel: 2, groups: 2 }, want: 2 },
    { name: 'an open panel left of the editor stays there', layout: { editor: 3, panel: 1, groups: 3 }, want: 1 },
    { name: 'an open panel stays when VS Code gives no editor column', layout: { editor: undefined, panel: 2, groups: 2 }, want: 2 },
    { name: 'a panel in the editor’s group moves to the group on its right', layout: { editor: 1, panel: 1, groups: 2 }, want: 2 },
    { name: 'a panel in the editor’s last group moves to the group on its left', layout: { editor: 2, panel: 2, groups: 2 }, want: 1 },
    { name: 'a panel sharing the only group: a second group', layout: { editor: 1, panel: 1, groups: 1 }, want: 2 },
    { name: 'no editor column and no panel: beside the active group', layout: { editor: undefined, panel: undefined, groups: 1 }, want: 'beside' },
    { name: 'past the ninth column VS Code creates no group: beside', layout: { editor: 9, panel: undefined, groups: 9 }, want: 'beside' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(panelColumn(c.layout), c.want));
  }

  it('never asks for a column beyond one new group, whatever the layout', () => {
    for (let groups = 1; groups <= 6; groups++) {
      for (let editor = 1; editor <= groups; editor++) {
        for (const panel of [undefined, ...Array.from({ length: groups }, (_, i) => i + 1)]) {
          const to = panelColumn({ editor, panel, groups });
          assert.ok(typeof to === 'number' && to >= 1 && to <= groups + 1, `editor ${editor}, panel ${panel}, ${groups} groups → ${to}`);
          assert.notEqual(to, editor, `the panel never covers the analysed editor (editor ${editor}, panel ${panel}, ${groups} groups)`);
          // An open panel never causes a new group while another group than the editor's exists.
          if (panel !== undefined && groups > 1) assert.ok(to <= groups, `editor ${editor}, panel ${panel}, ${groups} groups → ${to}`);
        }
      }
    }
  });

  it('is stable: showing the panel again where it went keeps it there', () => {
    for (let groups = 1; groups <= 4; groups++) {
      for (let editor = 1; editor <= groups; editor++) {
        const first = panelColumn({ editor, panel: undefined, groups });
        assert.equal(typeof first, 'number');
        const after = Math.max(groups, first as number);
        assert.equal(panelColumn({ editor, panel: first as number, groups: after }), first);
      }
    }
  });
});

describe('documentColumn: where the panel reveals a token of the analysed document', () => {
  it('uses the editor that already shows the document', () => {
    assert.equal(documentColumn({ visible: 3, panel: 2, groups: 3 }), 3);
  });
  it('opens it left of the panel when it is no longer shown', () => {
    assert.equal(documentColumn({ visible: undefined, panel: 2, groups: 2 }), 1);
    assert.equal(documentColumn({ visible: undefined, panel: 3, groups: 3 }), 2);
  });
  it('opens it right of a panel in the first group', () => {
    assert.equal(documentColumn({ visible: undefined, panel: 1, groups: 2 }), 2);
  });
  it('opens a second group when the panel is alone', () => {
    assert.equal(documentColumn({ visible: undefined, panel: 1, groups: 1 }), 2);
  });
  it('falls back to the first group when the panel column is not known', () => {
    assert.equal(documentColumn({ visible: undefined, panel: undefined, groups: 2 }), 1);
  });
});
