package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PluralizerTest {

    @ParameterizedTest
    @CsvSource({
        "Person, People",
        "Product, Products",
        "Company, Companies",
        "Key, Keys",
        "Box, Boxes",
        "Address, Addresses",
        "Match, Matches",
        "Dish, Dishes",
        "Child, Children",
        "Sheep, Sheep",
        "SalesPerson, SalesPeople",
        "OrderLine, OrderLines",
        "Category, Categories",
        "Leaf, Leaves",
    })
    void pluralize_classNames(String singular, String plural) {
        assertEquals(plural, Pluralizer.pluralize(singular));
    }
}
