// The report's own words, in English and Simplified Chinese (the report is a file read outside VS
// Code, so its strings travel in it; chosen by VS Code's display language or the CLI's --lang).

export interface ReportStrings {
  lang: string;
  heading: string;
  model: string;
  text: string;
  tokens: string;
  tokensHelp: string;
  surprisal: string;
  overview: string;
  overviewHelp: string;
  heads: string;
  headsNone: string;
  head: string;
  predictions: string;
  predictionsAfter: string;
  probability: string;
  card: string;
  made: string;
  noJs: string;
  factLayers: string;
  factHeads: string;
  factKvHeads: string;
  factWidth: string;
  factContext: string;
  factVocab: string;
  factParams: string;
  factFamily: string;
  factDtype: string;
  factPositions: string;
  factLearned: string;
}

const EN: ReportStrings = {
  lang: 'en',
  heading: 'Attention Lens report',
  model: 'Model',
  text: 'Text',
  tokens: 'Tokens',
  tokensHelp: 'Each token tinted by its surprisal (−log₂ p, bits); click one to see the predictions after it.',
  surprisal: 'Surprisal',
  overview: 'Overview: every layer × head',
  overviewHelp: 'Rows are layers, columns heads; each thumbnail is scaled to its own largest weight.',
  heads: 'Pinned heads',
  headsNone: 'No heads were pinned.',
  head: 'Layer {0} · Head {1}',
  predictions: 'Predictions',
  predictionsAfter: 'Next token after #{0} {1}',
  probability: 'Probability',
  card: 'Model card',
  made: 'Made by Attention Lens on {0}. Everything is in this file; it loads nothing from the network.',
  noJs: 'This report draws its maps with JavaScript: allow scripts for this file to see them.',
  factLayers: 'Layers',
  factHeads: 'Heads per layer',
  factKvHeads: 'Key/value heads',
  factWidth: 'Width (d_model)',
  factContext: 'Context length',
  factVocab: 'Vocabulary',
  factParams: 'Parameters',
  factFamily: 'Family',
  factDtype: 'Weights stored as',
  factPositions: 'Positions',
  factLearned: 'learned (wpe)',
};

const ZH: ReportStrings = {
  lang: 'zh-CN',
  heading: 'Attention Lens 报告',
  model: '模型',
  text: '文本',
  tokens: '词元',
  tokensHelp: '每个词元按其惊异度（−log₂ p，比特）着色；点击词元查看其后的预测。',
  surprisal: '惊异度',
  overview: '总览：所有层 × 头',
  overviewHelp: '行是层，列是头；每个缩略图按其自身的最大权重缩放。',
  heads: '已固定的头',
  headsNone: '没有固定任何头。',
  head: '第 {0} 层 · 第 {1} 头',
  predictions: '预测',
  predictionsAfter: '#{0} {1} 之后的下一个词元',
  probability: '概率',
  card: '模型卡',
  made: '由 Attention Lens 于 {0} 生成。所有内容都在此文件中，不从网络加载任何东西。',
  noJs: '此报告用 JavaScript 绘制图表：请允许此文件运行脚本以查看。',
  factLayers: '层数',
  factHeads: '每层头数',
  factKvHeads: '键/值头数',
  factWidth: '宽度（d_model）',
  factContext: '上下文长度',
  factVocab: '词表大小',
  factParams: '参数量',
  factFamily: '模型族',
  factDtype: '权重存储类型',
  factPositions: '位置编码',
  factLearned: '可学习（wpe）',
};

/** The strings for a VS Code display language ('zh-cn', 'zh-CN', 'zh-hans' → Chinese; else English). */
export function reportStrings(language: string | undefined): ReportStrings {
  const l = (language ?? '').toLowerCase();
  return l === 'zh-cn' || l === 'zh' || l.startsWith('zh-hans') || l === 'zh-sg' ? ZH : EN;
}

/** "{0}"-style placeholders filled in order. */
export function fill(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, k: string) => (args[Number(k)] !== undefined ? String(args[Number(k)]) : m));
}
