package dev.corvid.client;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Reads and writes the {@code String id} property of an entity class: a {@code getId()} /
 * {@code setId(String)} pair, else a field named {@code id} of type {@code String} (in the class
 * or a superclass). A class without one is allowed: the session then keeps the id on its own.
 */
final class IdProperty {

    /** The JSON name of the id property; it is not stored in the document body. */
    static final String JSON_NAME = "id";

    private static final ClassValue<IdProperty> CACHE = new ClassValue<>() {
        @Override
        protected IdProperty computeValue(Class<?> type) {
            return find(type);
        }
    };

    private final Method getter;
    private final Method setter;
    private final Field field;

    private IdProperty(Method getter, Method setter, Field field) {
        this.getter = getter;
        this.setter = setter;
        this.field = field;
    }

    static IdProperty of(Class<?> type) {
        return CACHE.get(type);
    }

    private static IdProperty find(Class<?> type) {
        try {
            Method getter = type.getMethod("getId");
            Method setter = type.getMethod("setId", String.class);
            if (getter.getReturnType() == String.class) {
                return new IdProperty(getter, setter, null);
            }
        } catch (NoSuchMethodException e) {
            // no public accessor pair: look for a field
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(JSON_NAME);
                if (f.getType() == String.class && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    return new IdProperty(null, null, f);
                }
            } catch (NoSuchFieldException e) {
                // try the superclass
            } catch (RuntimeException e) {
                // inaccessible (module boundary): treat as having no id property
                return new IdProperty(null, null, null);
            }
        }
        return new IdProperty(null, null, null);
    }

    boolean exists() {
        return getter != null || field != null;
    }

    /** The entity's id, or {@code null} when it has none or the class has no id property. */
    String get(Object entity) {
        try {
            if (getter != null) {
                return (String) getter.invoke(entity);
            }
            return field == null ? null : (String) field.get(entity);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new CorvidException("cannot read the id of " + entity.getClass().getName(), e);
        }
    }

    /** Sets the entity's id; does nothing when the class has no id property. */
    void set(Object entity, String id) {
        try {
            if (setter != null) {
                setter.invoke(entity, id);
            } else if (field != null) {
                field.set(entity, id);
            }
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new CorvidException("cannot set the id of " + entity.getClass().getName(), e);
        }
    }
}
