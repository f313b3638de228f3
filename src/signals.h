/* signals.h - what SIGINT, SIGTERM and SIGHUP (the terminal closed) do to a
 * command that has no plan of its own for them (run and bench have:
 * matrix.c keeps the finished rows):
 * the replay children are killed (runner.c), the temporary files being
 * written are removed (fileio.c), then the signal ends the process as it
 * would have. */
#ifndef ALLOCSCOPE_SIGNALS_H
#define ALLOCSCOPE_SIGNALS_H

/* Installs that handler for the three where they are at their default (an
 * ignored signal, as under nohup, stays ignored). Called once, from main. */
void signals_guard(void);

#endif
