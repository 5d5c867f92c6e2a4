// Does nothing on purpose: the harness smoke test only needs *an* extension under development.
exports.activate = function activate() {};
exports.deactivate = function deactivate() {};
