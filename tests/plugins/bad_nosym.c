/* bad_nosym.c - a broken plugin: a shared object that exports no
 * allocscope_strategy, which the loader must refuse (exit 2). */
const unsigned allocscope_abi = 1;
