// The suite a mutant of libs/domain must fail: the unit specs (the deciders are pure, so they are pinned there).
const root = require('../../jest.config.js');
module.exports = { ...root.projects.find((project) => project.displayName === 'unit'), rootDir: require('node:path').join(__dirname, '../..') };
