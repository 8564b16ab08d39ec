/* The shared object's own translation unit; every C_* symbol comes from
 * tessera_pkcs11_core (linked whole) and exports.map makes only C_* public. */
typedef int tessera_module_entry_unused;
