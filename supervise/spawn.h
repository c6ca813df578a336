/* spawn: starts the command the init supervises, and the pieces of it the
 * jail reuses in its own children. The child gets its own process group, the
 * terminal's foreground when stdin is one, and exactly the signal state the
 * init was given; an exec failure is reported by the parent, as a value.
 * Nothing here allocates or uses stdio: it runs between fork and exec. */
#ifndef JAILINIT_SPAWN_H
#define JAILINIT_SPAWN_H

#include <sys/types.h>

#include "../base/err.h"

/* In the child, after fork: own process group, foreground of the terminal
 * when stdin is a tty whose foreground the init holds (SIGTTOU is still
 * blocked here, so this cannot stop us), then the init's original signal
 * mask restored. */
void spawn_child_setup(void);

/* 1 when stdin is a terminal whose foreground group is ours: what a child
 * may take over (asked before a fork: once the child is in a group of its
 * own it cannot tell). */
int spawn_holds_terminal(void);

/* The same for a helper (the proxy): its own process group, the init's
 * signal state, and never the terminal's foreground, so that Ctrl-C and
 * Ctrl-Z keep going to the agent. */
void spawn_helper_setup(void);

/* execvp(argv[0], argv), searching all of PATH; returns the errno when it
 * fails: ENOENT when argv[0] is nowhere (an unsearchable directory in PATH
 * hides nothing), EACCES only when it was found but cannot be executed. */
int spawn_exec(char *const argv[]);

/* musl's PATH when none is set. */
#define SPAWN_DEFAULT_PATH "/usr/local/bin:/bin:/usr/bin"

/* Where spawn_exec would find file (no '/' in it): the first PATH entry
 * holding a regular file this process may execute, into buf. 0, or -1 with
 * errno ENOENT. */
int spawn_which(const char *file, char *buf, size_t cap);

/* Exit code for an exec failure: 127 when not found, 126 otherwise. */
int exec_errno_exit_code(int errnum);

/* vfork; the child does spawn_child_setup + spawn_exec. Returns the child's
 * pid once it has exec'd, or -1 with *err ("cannot execute 'X'", the errno,
 * exit_code 126/127) when exec failed (the child is reaped then) or the
 * fork failed (exit_code EXIT_SETUP). The caller is suspended until the
 * child has exec'd or exited (vfork). */
pid_t spawn_command(char *const argv[], struct ji_err *err);

/* As spawn_command, but never takes the terminal's foreground: for a helper
 * such as the proxy, so that Ctrl-C and Ctrl-Z keep going to the agent. */
pid_t spawn_background(char *const argv[], struct ji_err *err);

/* For a child that must do more before exec than a vfork child may (the
 * agent's privilege drop and seccomp filter allocate): fork, and in the
 * child the setup, then prepare(ctx, err), then wait for the go, then exec;
 * so the fork and the prepare run ahead while the caller waits for its own
 * go. spawn_gated_open lets it exec and returns its pid once it has, or -1
 * with the child's error value (step, errno, detail: a failing prepare or
 * exec). A child whose gate closes unopened exits. */
typedef int (*spawn_prepare_fn)(void *ctx, struct ji_err *err);
struct spawn_gate {
	pid_t pid;
	int gate_fd;
	int report_fd;
	const char *argv0;
};
int spawn_gated_start(struct spawn_gate *g, char *const argv[], spawn_prepare_fn prepare, void *ctx,
		      struct ji_err *err);
pid_t spawn_gated_open(struct spawn_gate *g, struct ji_err *err);

#endif
