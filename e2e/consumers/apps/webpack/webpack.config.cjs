// webpack 5 with its defaults; nothing localrec-specific.

module.exports = {
  mode: 'production',
  context: __dirname,
  entry: './main.js',
  output: { path: process.env.OUT_DIR, publicPath: '/webpack/', filename: 'main.js', clean: true },
  performance: { hints: false },
};
