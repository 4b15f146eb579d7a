#pragma once
// The management command line (API.md §9): makemigrations, migrate, showmigrations,
// sqlmigrate, lint, squashmigrations, dumpdata, loaddata, inspectdb, dbshell, check.
// A tool over the public API and the migrations module.

#include <iosfwd>
#include <string>
#include <vector>

namespace dorm {

/// Runs the command in argv[1..] (`./app migrate`); returns the exit code: 0 done, 1 a
/// check failed or the command failed (reason on stderr), 2 a usage error, 3 an answer the
/// models must give (a NOT NULL column without a default).
int manage(int argc, char** argv);
/// The same from code: the arguments after the program name, output to stdout/stderr.
int manage(const std::vector<std::string>& args);
/// The same, writing to `out` and `err`.
int manage(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dorm
